// node-wasi-run.mjs - run a WASI preview1 command module under Node's V8, for the benchmarks.
//
//   node [v8 flags] bench/node-wasi-run.mjs [--dir HOST::GUEST]... [--env K=V]... \
//        [--compile-only[=REPS]] module.wasm [args...]
//
// The guest sees argv = [basename(module), args...].  The exit status is the guest's
// proc_exit code (0 when _start returns); a trap prints "error: wasm trap: ..." and exits 134,
// as `chibi run` does.  --compile-only times WebAssembly.Module creation (decode + validate +
// compile in the current V8 tier) REPS times and prints "compile_s <median seconds>" instead of
// running (each time on a copy with a distinct custom section, defeating V8's module cache);
// it is used for the module-preparation throughput rows.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { WASI } from 'node:wasi';

function usage(msg) {
	process.stderr.write(`node-wasi-run: ${msg}\n` +
		'usage: node-wasi-run.mjs [--dir HOST::GUEST]... [--env K=V]... ' +
		'[--compile-only[=REPS]] module.wasm [args...]\n');
	process.exit(2);
}

const argv = process.argv.slice(2);
const preopens = {};
const env = {};
let compileReps = 0;
while (argv.length && argv[0].startsWith('--')) {
	const opt = argv.shift();
	if (opt === '--dir') {
		const spec = argv.shift();
		if (!spec) usage('--dir needs HOST::GUEST');
		const [host, guest] = spec.includes('::') ? spec.split('::') : [spec, spec];
		preopens[guest] = host;
	} else if (opt === '--env') {
		const kv = argv.shift();
		if (!kv) usage('--env needs K=V');
		const eq = kv.indexOf('=');
		if (eq < 0) env[kv] = process.env[kv] ?? '';
		else env[kv.slice(0, eq)] = kv.slice(eq + 1);
	} else if (opt.startsWith('--compile-only')) {
		compileReps = Number(opt.split('=')[1] ?? 5) || 5;
	} else if (opt === '--') {
		break;
	} else {
		usage(`unknown option ${opt}`);
	}
}
const path = argv.shift();
if (!path) usage('no module given');
const bytes = readFileSync(path);

if (compileReps > 0) {
	// V8 caches compiled modules by their bytes, so each repetition appends a different custom
	// section (ignored by the semantics) to force a real decode + validate + compile.
	const times = [];
	for (let i = 0; i < compileReps; i++) {
		const name = Buffer.from(`bench-rep-${i}`);
		const copy = Buffer.concat([bytes, Buffer.from([0, name.length + 1, name.length]), name]);
		const t0 = process.hrtime.bigint();
		new WebAssembly.Module(copy);
		times.push(Number(process.hrtime.bigint() - t0) / 1e9);
	}
	times.sort((a, b) => a - b);
	process.stdout.write(`compile_s ${times[Math.floor(times.length / 2)]}\n`);
	process.exit(0);
}

const wasi = new WASI({
	version: 'preview1',
	args: [basename(path), ...argv],
	env,
	preopens,
	returnOnExit: true,
});
let status;
try {
	const module = new WebAssembly.Module(bytes);
	const instance = new WebAssembly.Instance(module, wasi.getImportObject());
	status = wasi.start(instance);
} catch (e) {
	process.stderr.write(`error: wasm trap: ${e && e.message ? e.message : e}\n`);
	process.exit(134);
}
process.exitCode = status ?? 0;
