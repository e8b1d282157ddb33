// bench/eh/run-export.mjs FILE.wasm N THROW - print run(N, THROW) of a module without imports (V8).
import { readFileSync } from 'node:fs';
const [file, n, t] = process.argv.slice(2);
const { instance } = await WebAssembly.instantiate(readFileSync(file));
console.log(instance.exports.run(Number(n), Number(t)));
