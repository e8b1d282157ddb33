/* util/hex.h - the value of one hexadecimal digit, for every reader of hex text: the JSON
 * reader's \u escapes (util/json.c), the text format's string escapes and hex numbers
 * (text/read.c, text/num.c).  Header-only, so libchibi's text reader uses it without
 * linking anything from util/.
 */
#ifndef CHIBI_UTIL_HEX_H
#define CHIBI_UTIL_HEX_H

/* 0-15 for '0'-'9', 'a'-'f', 'A'-'F'; -1 for any other character. */
static inline int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
