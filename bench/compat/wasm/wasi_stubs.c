/* wasi_stubs.c - libc functions wasi-libc lacks but Lua's io/os libraries reference.  WASI has
 * no temporary directory and no processes, so each reports failure as the C standard allows. */
#include <stdio.h>
#include <stdlib.h>

FILE *tmpfile(void)
{
	return NULL;
}

char *tmpnam(char *s)
{
	(void)s;
	return NULL;
}

int system(const char *cmd)
{
	return cmd ? -1 : 0; /* no command processor */
}
