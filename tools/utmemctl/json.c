// SPDX-License-Identifier: GPL-2.0
/*
 * A streaming JSON writer: the caller says what comes next and the
 * writer places commas, quotes and escapes.  Output is one line per
 * document, which keeps `stats --json --watch` a stream of JSON lines.
 */
#include <inttypes.h>
#include <stdio.h>

#include "utmemctl.h"

void json_begin(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->need_comma = false;
}

void json_end(struct json *j)
{
	fputc('\n', j->out);
	fflush(j->out);
}

static void separate(struct json *j)
{
	if (j->need_comma)
		fputc(',', j->out);
	j->need_comma = false;
}

static void put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* A key is followed by its value: no comma between them. */
void json_key(struct json *j, const char *key)
{
	separate(j);
	put_string(j->out, key);
	fputc(':', j->out);
}

static void open_bracket(struct json *j, char c)
{
	separate(j);
	fputc(c, j->out);
	j->depth++;
}

static void close_bracket(struct json *j, char c)
{
	fputc(c, j->out);
	j->depth--;
	j->need_comma = true;
}

void json_object_begin(struct json *j)
{
	open_bracket(j, '{');
}

void json_object_end(struct json *j)
{
	close_bracket(j, '}');
}

void json_array_begin(struct json *j)
{
	open_bracket(j, '[');
}

void json_array_end(struct json *j)
{
	close_bracket(j, ']');
}

void json_string(struct json *j, const char *s)
{
	separate(j);
	put_string(j->out, s);
	j->need_comma = true;
}

void json_raw_number(struct json *j, const char *digits)
{
	separate(j);
	fputs(digits, j->out);
	j->need_comma = true;
}

void json_u64(struct json *j, uint64_t val)
{
	separate(j);
	fprintf(j->out, "%" PRIu64, val);
	j->need_comma = true;
}

/* debugfs values: integers as numbers, anything else as a string. */
void json_value(struct json *j, const char *value)
{
	if (debugfs_is_integer(value))
		json_raw_number(j, value);
	else
		json_string(j, value);
}
