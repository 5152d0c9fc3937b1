/* SPDX-License-Identifier: GPL-2.0 */
/* What main.c shows its KUnit tests. */
#ifndef _UTMEM_MAIN_H
#define _UTMEM_MAIN_H

#include <utmem/tmem.h>

#if IS_ENABLED(CONFIG_KUNIT)
const struct tmem_backend_ops *tmem_backend_find(const char *name);
#endif

#endif /* _UTMEM_MAIN_H */
