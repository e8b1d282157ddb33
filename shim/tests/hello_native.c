/* shim/tests/hello_native.c - static native hello for the runc side of the timing comparison. */
#include <stdio.h>

int main(void)
{
	printf("hello from native\n");
	return 0;
}
