// jit/test/v8-ref.js - the reference check against V8 (node): run each module the way
// jit-difftest does (same imports, argument patterns, hangLimitInitializer, transcript
// format, exported state only) and compare with chibi's transcript in FILE.wasm.ref, which
// `jit-difftest -r FILE.wasm` wrote.
//
//   node [--liftoff --no-wasm-tier-up] --experimental-wasm-type-reflection \
//        jit/test/v8-ref.js FILE.wasm...
//
// Prints one line per module that differs (and the first differing lines), then a count;
// exit 1 if any differs.  Trap messages are compared by meaning: V8's texts map onto
// chibi's trap names (V8 gives one text for two of chibi's distinctions; see `traps`).
'use strict';
const fs = require('fs');

// V8 message -> the chibi trap names it may stand for.
const traps = {
	'unreachable': ['unreachable'],
	'memory access out of bounds': ['out of bounds memory access'],
	'data segment out of bounds': ['out of bounds memory access'],
	'divide by zero': ['integer divide by zero'],
	'remainder by zero': ['integer divide by zero'],
	'divide result unrepresentable': ['integer overflow'],
	// V8 has one text for a NaN and an out-of-range value; the spec (and chibi) say
	// "invalid conversion to integer" for the first and "integer overflow" for the second
	'float unrepresentable in integer range':
		['invalid conversion to integer', 'integer overflow'],
	'table index is out of bounds': ['out of bounds table access', 'undefined element'],
	'element segment out of bounds': ['out of bounds table access'],
	'invalid index into function table': ['undefined element'],
	'null function or function signature mismatch':
		['uninitialized element', 'indirect call type mismatch'],
};

const u32 = new Uint32Array(2), f32 = new Float32Array(u32.buffer), f64 = new Float64Array(u32.buffer);

function val(type, v) {
	switch (type) {
	case 'i32': return ' i32:' + (v >>> 0);
	case 'i64': return ' i64:' + BigInt.asUintN(64, BigInt(v));
	case 'f32': {
		f32[0] = v;
		if (Number.isNaN(v)) return ' f32:nan';
		return ' f32:' + u32[0].toString(16).padStart(8, '0');
	}
	case 'f64': {
		f64[0] = v;
		if (Number.isNaN(v)) return ' f64:nan';
		return ' f64:' + u32[1].toString(16).padStart(8, '0') + u32[0].toString(16).padStart(8, '0');
	}
	default: return ' ref:' + (v === null ? 'null' : 'non-null');
	}
}

const i32s = [0, 1, 0xffffffff | 0, 0x80000000 | 0, 7, 65536];
const i64s = [0n, 1n, -1n, -0x8000000000000000n, 42n, 1n << 33n];
const f32s = [0, 0x3fc00000, 0x80000000, 0x7fc00000, 0xc2f60000, 0x4f800000];
const f64s = [[0, 0], [0x3ff80000, 0], [0x80000000, 0], [0x7ff80000, 0], [0xc05ec000, 0], [0x41f00000, 0]];

function arg(type, round, i) {
	const k = round === 0 ? 0 : (round + i) % 6;
	switch (type) {
	case 'i32': return i32s[k];
	case 'i64': return i64s[k];
	case 'f32': u32[0] = f32s[k]; return f32[0];
	case 'f64': u32[1] = f64s[k][0]; u32[0] = f64s[k][1]; return f64[0];
	default: return null;
	}
}

// FNV-1a 64 over memory in two 32-bit halves (as jit-difftest computes it).
function hash(bytes) {
	let lo = 0x739d0383, hi = 0x14650fb0; // jit-difftest's basis, 1469598103934665603
	for (let i = 0; i < bytes.length; i++) {
		lo ^= bytes[i];
		const p = (lo >>> 0) * 0x1b3;
		const carry = Math.floor(p / 4294967296);
		const nhi = ((hi >>> 0) * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
		lo = p >>> 0;
		hi = nhi;
	}
	return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

function transcript(path) {
	let out = '';
	const emit = (s) => { out += s; };
	let mod;
	try {
		mod = new WebAssembly.Module(fs.readFileSync(path));
	} catch (e) {
		return 'load error\n';
	}
	const imports = {};
	for (const im of WebAssembly.Module.imports(mod)) {
		const ns = imports[im.module] || (imports[im.module] = {});
		const t = im.type;
		if (im.kind === 'function') {
			ns[im.name] = (...a) => {
				emit('  import ' + im.name);
				t.parameters.forEach((p, j) => emit(val(p, a[j])));
				emit('\n');
				const r = t.results.map((p) => (p === 'i64' ? 0n : p === 'i32' || p[0] === 'f' ? 0 : null));
				return r.length === 1 ? r[0] : r.length ? r : undefined;
			};
		} else if (im.kind === 'memory') {
			ns[im.name] = new WebAssembly.Memory(t);
		} else if (im.kind === 'table') {
			ns[im.name] = new WebAssembly.Table(t);
		} else {
			ns[im.name] = new WebAssembly.Global(t, t.value === 'i64' ? 0n : t.value[0] === 'i' || t.value[0] === 'f' ? 0 : null);
		}
	}
	let inst;
	try {
		inst = new WebAssembly.Instance(mod, imports);
	} catch (e) {
		return out + 'instantiate: failed\n';
	}
	const exps = WebAssembly.Module.exports(mod);
	const memExp = exps.find((e) => e.kind === 'memory');
	const hang = inst.exports.hangLimitInitializer;
	for (let round = 0; round < 3; round++) {
		for (const e of exps) {
			if (e.kind !== 'function' || e.name === 'hangLimitInitializer')
				continue;
			const t = e.type, f = inst.exports[e.name];
			if (t.parameters.length > 64 || t.results.length > 64)
				continue;
			if (hang) hang();
			const args = t.parameters.map((p, i) => arg(p, round, i));
			emit('call ' + e.name + ' round ' + round + '\n');
			let r;
			try {
				r = f(...args);
				emit('  ->');
				const rs = t.results.length === 1 ? [r] : t.results.length ? r : [];
				t.results.forEach((p, i) => emit(val(p, rs[i])));
				emit('\n');
			} catch (x) {
				if (x instanceof RangeError && /call stack/.test(x.message)) {
					emit('stopped\n');
					return out;
				}
				// an exception no handler caught (legacy exception handling): chibi's
				// "uncaught exception" trap; V8 names no function for it
				if (x instanceof WebAssembly.Exception) {
					emit('  trap: V8:uncaught exception\n');
				} else {
					if (!(x instanceof WebAssembly.RuntimeError))
						throw x;
					const fn = /wasm-function\[(\d+)\]/.exec(x.stack || '');
					emit('  trap: V8:' + x.message + (fn ? ' in function #' + fn[1] : '') + '\n');
				}
			}
			if (memExp) {
				const b = new Uint8Array(inst.exports[memExp.name].buffer);
				emit('  memory ' + b.length + ' bytes hash ' + hash(b) + '\n');
			}
			for (const g of exps)
				if (g.kind === 'global' && g.type.mutable)
					emit(val(g.type.value, inst.exports[g.name].value));
			emit('\n');
		}
	}
	return out;
}

// The comparison: line by line up to where either stopped; a V8 trap line matches a chibi
// trap line when the texts map (see traps) and the function indices agree.
function cut(lines) {
	const s = lines.indexOf('stopped');
	if (s < 0) return lines;
	let c = s;
	while (c > 0 && !lines[c].startsWith('call ')) c--;
	return lines.slice(0, c);
}

function sameLine(ref, v8) {
	if (ref === v8) return true;
	const m = /^  trap: V8:(.*?)( in function #\d+)?$/.exec(v8);
	const r = /^  trap: (.*?)( in function #\d+)?$/.exec(ref);
	if (!m || !r) return false;
	if (m[1] === 'uncaught exception')
		return r[1] === 'uncaught exception';
	return (traps[m[1]] || []).includes(r[1]) && (m[2] || '') === (r[2] || '');
}

let bad = 0, n = 0;
for (const path of process.argv.slice(2)) {
	n++;
	const v8 = transcript(path).split('\n');
	const ref = fs.readFileSync(path + '.ref', 'utf8').split('\n');
	const stopped = v8.includes('stopped') || ref.includes('stopped');
	const a = stopped ? cut(ref) : ref, b = stopped ? cut(v8) : v8;
	const len = stopped ? Math.min(a.length, b.length) : Math.max(a.length, b.length);
	for (let i = 0; i < len; i++) {
		if (!sameLine(a[i] === undefined ? '' : a[i], b[i] === undefined ? '' : b[i])) {
			bad++;
			console.log(path + ': V8 differs at line ' + (i + 1) + ':\n  chibi: ' + a[i] + '\n  v8:    ' + b[i]);
			break;
		}
	}
}
console.log('v8-ref: ' + n + ' modules, ' + bad + ' differ');
process.exit(bad ? 1 : 0);
