/* shim/tests/hello.c - hello for measure.sh: built as wasm (chibi) and static native (runc). */
#include <stdio.h>

int main(void)
{
	printf("hello from a container\n");
	return 0;
}
