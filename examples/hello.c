/* examples/hello.c - the bundled example: a WASI command that greets, echoes its arguments
 * and reports an environment variable, compiled to wasm32-wasi by `make example`. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	const char *who = getenv("WHO");

	printf("Hello from chibi, %s!\n", who ? who : "world");
	for (int i = 1; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	return 0;
}
