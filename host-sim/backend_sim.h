/* SPDX-License-Identifier: GPL-2.0 */
/* The simulator as a backend of the tmem core (backend_sim.c). */
#ifndef _UTMEM_BACKEND_SIM_H
#define _UTMEM_BACKEND_SIM_H

#include <utmem/tmem.h>

extern const struct tmem_backend_ops tmem_sim_backend_ops;

#endif /* _UTMEM_BACKEND_SIM_H */
