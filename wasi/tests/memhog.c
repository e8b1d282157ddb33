/* memhog.c - grows memory 1 MiB at a time until it fails; prints how far it got, which
 * --max-memory bounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *volatile keep[1024]; /* escapes, so the compiler keeps every allocation */

int main(void)
{
	int mib = 0;

	while (mib < 1024) {
		char *p = malloc(1 << 20);

		if (!p)
			break;
		memset(p, 1, 1 << 20);
		keep[mib++] = p;
	}
	printf("allocated %d MiB\n", mib);
	return 0;
}
