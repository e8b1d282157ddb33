/* jit/x64/emit_test.c - every x86-64 encoder, checked against capstone.
 *
 * One table row per encoder form (several where the encoding has special cases: REX for
 * r8-r15, SIB for rsp/r12 bases, mandatory displacement for rbp/r13, byte registers that
 * need an empty REX, disp8 versus disp32, imm8 versus imm32).  Each row emits into a fresh
 * buffer, capstone disassembles it (Intel syntax, address 0), and the text must match and
 * cover every byte.  The expected strings were checked once by hand against the Intel SDM.
 */
#include <capstone/capstone.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"

#define ROWS(R)									\
	R("mov rax, r9", x64_mov_rr(cb, true, RAX, R9))				\
	R("mov r12d, ecx", x64_mov_rr(cb, false, R12, RCX))			\
	R("mov rdx, qword ptr [rsp + 8]", x64_mov_rm(cb, true, RDX, x64_mb(RSP, 8)))	\
	R("mov eax, dword ptr [r12]", x64_mov_rm(cb, false, RAX, x64_mb(R12, 0)))	\
	R("mov r10d, dword ptr [rbp]", x64_mov_rm(cb, false, R10, x64_mb(RBP, 0)))	\
	R("mov ecx, dword ptr [r13 + 0x100]", x64_mov_rm(cb, false, RCX, x64_mb(R13, 256)))	\
	R("mov eax, dword ptr [r14 + rbx + 0x16]",				\
	  x64_mov_rm(cb, false, RAX, x64_mbi(R14, RBX, 0, 22)))			\
	R("mov rax, qword ptr [r11 + rax*8]", x64_mov_rm(cb, true, RAX, x64_mbi(R11, RAX, 3, 0)))	\
	R("mov qword ptr [rsp + 0x80], r15", x64_mov_mr(cb, true, x64_mb(RSP, 128), R15))	\
	R("mov dword ptr [rbx - 4], esi", x64_mov_mr(cb, false, x64_mb(RBX, -4), RSI))	\
	R("mov byte ptr [r14 + rax], sil", x64_mov8_mr(cb, x64_mbi(R14, RAX, 0, 0), RSI))	\
	R("mov byte ptr [rax], cl", x64_mov8_mr(cb, x64_mb(RAX, 0), RCX))		\
	R("mov word ptr [r14 + r9 + 2], dx", x64_mov16_mr(cb, x64_mbi(R14, R9, 0, 2), RDX))	\
	R("mov eax, 0x12345678", x64_mov_ri32(cb, RAX, 0x12345678))		\
	R("mov r9d, 0xffffffff", x64_mov_ri32(cb, R9, 0xffffffffu))		\
	R("movabs r14, 0x123456789abc", x64_mov_ri64(cb, R14, 0x123456789abcull))	\
	R("mov rax, -0x56", x64_mov_rsi32(cb, RAX, -86))				\
	R("mov qword ptr [rsp + 0x10], 0", x64_mov_mi(cb, true, x64_mb(RSP, 16), 0))	\
	R("mov dword ptr [r14 + 0x1170], 0x30", x64_mov_mi(cb, false, x64_mb(R14, 0x1170), 48))	\
	R("mov byte ptr [r14 + rcx], 0xff", x64_mov8_mi(cb, x64_mbi(R14, RCX, 0, 0), 0xff))	\
	R("mov word ptr [r14], 0x1234", x64_mov16_mi(cb, x64_mb(R14, 0), 0x1234))	\
	R("movzx eax, byte ptr [r14 + rax]", x64_movzx8_rm(cb, RAX, x64_mbi(R14, RAX, 0, 0)))	\
	R("movzx r8d, word ptr [rsp + 4]", x64_movzx16_rm(cb, R8, x64_mb(RSP, 4)))	\
	R("movsx eax, byte ptr [rcx]", x64_movsx8_rm(cb, false, RAX, x64_mb(RCX, 0)))	\
	R("movsx rax, byte ptr [rcx]", x64_movsx8_rm(cb, true, RAX, x64_mb(RCX, 0)))	\
	R("movsx edx, word ptr [r14 + 2]", x64_movsx16_rm(cb, false, RDX, x64_mb(R14, 2)))	\
	R("movsx r10, word ptr [r14 + 2]", x64_movsx16_rm(cb, true, R10, x64_mb(R14, 2)))	\
	R("movsxd rdx, dword ptr [r14 + rax]", x64_movsxd_rm(cb, RDX, x64_mbi(R14, RAX, 0, 0)))	\
	R("movzx eax, sil", x64_movzx8_rr(cb, RAX, RSI))				\
	R("movzx ecx, al", x64_movzx8_rr(cb, RCX, RAX))				\
	R("movzx r9d, r10w", x64_movzx16_rr(cb, R9, R10))				\
	R("movsx eax, dil", x64_movsx8_rr(cb, false, RAX, RDI))			\
	R("movsx rcx, r8b", x64_movsx8_rr(cb, true, RCX, R8))			\
	R("movsx edx, ax", x64_movsx16_rr(cb, false, RDX, RAX))			\
	R("movsx rbx, cx", x64_movsx16_rr(cb, true, RBX, RCX))			\
	R("movsxd rax, ebx", x64_movsxd_rr(cb, RAX, RBX))				\
	R("lea eax, [rbx - 4]", x64_lea(cb, false, RAX, x64_mb(RBX, -4)))		\
	R("lea r11, [rsp - 0x20000]", x64_lea(cb, true, R11, x64_mb(RSP, -0x20000)))	\
	R("lea rax, [rcx + rdx]", x64_lea(cb, true, RAX, x64_mbi(RCX, RDX, 0, 0)))	\
	R("lea r11, [rip + 0x10]", x64_lea(cb, true, R11, (struct x64_mem){ .rip = true,	\
	  .disp = 0x10 }))								\
	R("adc rax, rbx", x64_alu_rr(cb, true, ALU_ADC, RAX, RBX))			\
	R("sbb ecx, edx", x64_alu_rr(cb, false, ALU_SBB, RCX, RDX))		\
	R("or r8d, dword ptr [rsp + 0x18]", x64_alu_rm(cb, false, ALU_OR, R8, x64_mb(RSP, 24)))	\
	R("and rax, 0xff", x64_alu_ri(cb, true, ALU_AND, RAX, 0xff))		\
	R("xor ecx, 0x7f", x64_alu_ri(cb, false, ALU_XOR, RCX, 127))		\
	R("cmp qword ptr [rsp + 8], r11", x64_alu_mr(cb, true, ALU_CMP, x64_mb(RSP, 8), R11))	\
	R("sub qword ptr [r15 + 0x88], 1",					\
	  x64_alu_mi(cb, true, ALU_SUB, x64_mb(R15, 0x88), 1))			\
	R("add dword ptr [rsp], 0x1000", x64_alu_mi(cb, false, ALU_ADD, x64_mb(RSP, 0), 4096))	\
	R("add r13, rsi", x64_add_rr(cb, true, R13, RSI))				\
	R("sub eax, r12d", x64_sub_rr(cb, false, RAX, R12))			\
	R("xor r11d, r11d", x64_xor_rr(cb, false, R11, R11))			\
	R("cmp rbp, rsi", x64_cmp_rr(cb, true, RBP, RSI))				\
	R("cmp ebx, -1", x64_cmp_ri(cb, false, RBX, -1))				\
	R("cmp eax, 0x10000", x64_cmp_ri(cb, false, RAX, 65536))			\
	R("cmp dword ptr [r15 + 0x74], 0", x64_cmp_mi(cb, false, x64_mb(R15, 0x74), 0))	\
	R("cmp rsp, qword ptr [r15 + 0x98]", x64_cmp_rm(cb, true, RSP, x64_mb(R15, 0x98)))	\
	R("add r12, 1", x64_add_ri(cb, true, R12, 1))				\
	R("sub rsp, 0x198", x64_sub_ri(cb, true, RSP, 0x198))			\
	R("and rsp, 0xfffffffffffffff0", x64_and_ri(cb, true, RSP, -16))		\
	R("test r9, r9", x64_test_rr(cb, true, R9, R9))				\
	R("test esi, edi", x64_test_rr(cb, false, RSI, RDI))			\
	R("test eax, 0x100", x64_test_ri(cb, false, RAX, 256))			\
	R("imul r13, rcx", x64_imul_rr(cb, true, R13, RCX))			\
	R("imul eax, dword ptr [rsp + 0x40]", x64_imul_rm(cb, false, RAX, x64_mb(RSP, 64)))	\
	R("imul rax, r12, 3", x64_imul_rri(cb, true, RAX, R12, 3))			\
	R("imul ecx, edx, 0x12345", x64_imul_rri(cb, false, RCX, RDX, 0x12345))	\
	R("not r8", x64_not_r(cb, true, R8))					\
	R("neg eax", x64_neg_r(cb, false, RAX))					\
	R("div r11", x64_div_r(cb, true, R11))					\
	R("idiv ecx", x64_idiv_r(cb, false, RCX))					\
	R("div dword ptr [rsp + 0x28]", x64_div_m(cb, false, x64_mb(RSP, 40)))	\
	R("idiv qword ptr [rsp + 0x28]", x64_idiv_m(cb, true, x64_mb(RSP, 40)))	\
	R("cdq", x64_cdq(cb, false))						\
	R("cqo", x64_cdq(cb, true))						\
	R("shl rax, cl", x64_shift_cl(cb, true, SH_SHL, RAX))			\
	R("sar r9d, cl", x64_shift_cl(cb, false, SH_SAR, R9))			\
	R("rol edx, cl", x64_shift_cl(cb, false, SH_ROL, RDX))			\
	R("shr rax, 0x20", x64_shift_ri(cb, true, SH_SHR, RAX, 32))		\
	R("ror r10d, 7", x64_shift_ri(cb, false, SH_ROR, R10, 7))			\
	R("lzcnt eax, ecx", x64_lzcnt_rr(cb, false, RAX, RCX))			\
	R("tzcnt r8, rbx", x64_tzcnt_rr(cb, true, R8, RBX))			\
	R("popcnt rdx, r11", x64_popcnt_rr(cb, true, RDX, R11))			\
	R("bsr eax, edi", x64_bsr_rr(cb, false, RAX, RDI))				\
	R("bsf rcx, r9", x64_bsf_rr(cb, true, RCX, R9))				\
	R("setg al", x64_setcc_r(cb, CC_G, RAX))					\
	R("setnp r11b", x64_setcc_r(cb, CC_NP, R11))				\
	R("sete sil", x64_setcc_r(cb, CC_E, RSI))					\
	R("cmovne ebp, r11d", x64_cmov_rr(cb, false, CC_NE, RBP, R11))		\
	R("cmovb rax, qword ptr [rsp + 8]", x64_cmov_rm(cb, true, CC_B, RAX, x64_mb(RSP, 8)))	\
	R("xchg rcx, rdx", x64_xchg_rr(cb, true, RCX, RDX))			\
	R("xchg qword ptr [rsp + 0x10], r8", x64_xchg_rm(cb, true, R8, x64_mb(RSP, 16)))	\
	R("jne 0x106", x64_jcc_rel32(cb, CC_NE, 0x100))				\
	R("jle 0x12", x64_jcc_rel8(cb, CC_LE, 0x10))				\
	R("jmp 0x105", x64_jmp_rel32(cb, 0x100))					\
	R("jmp 0", x64_jmp_rel8(cb, -2))						\
	R("call 0x15", x64_call_rel32(cb, 0x10))					\
	R("call rax", x64_call_r(cb, RAX))					\
	R("call qword ptr [r11]", x64_call_m(cb, x64_mb(R11, 0)))			\
	R("jmp r11", x64_jmp_r(cb, R11))						\
	R("jmp qword ptr [rax + 8]", x64_jmp_m(cb, x64_mb(RAX, 8)))		\
	R("ret", x64_ret(cb))							\
	R("push rbx", x64_push_r(cb, RBX))					\
	R("push r13", x64_push_r(cb, R13))					\
	R("pop r12", x64_pop_r(cb, R12))						\
	R("pop rbp", x64_pop_r(cb, RBP))						\
	R("int3", x64_int3(cb))							\
	R("rep movsq qword ptr [rdi], qword ptr [rsi]", x64_rep_movsq(cb))	\
	R("ud2", x64_poison(cb))							\
	R("movaps xmm9, xmm1", x64_movaps_rr(cb, 9, 1))				\
	R("movss xmm0, dword ptr [rsp + 0x30]", x64_movss_rm(cb, 0, x64_mb(RSP, 48)))	\
	R("movss dword ptr [r14 + rax], xmm12", x64_movss_mr(cb, x64_mbi(R14, RAX, 0, 0), 12))	\
	R("movsd xmm15, qword ptr [rsp + 8]", x64_movsd_rm(cb, 15, x64_mb(RSP, 8)))	\
	R("movsd qword ptr [r11], xmm2", x64_movsd_mr(cb, x64_mb(R11, 0), 2))	\
	R("movups xmmword ptr [rsp + 0x20], xmm15", x64_movups_mr(cb, x64_mb(RSP, 32), 15))	\
	R("movd xmm0, r11d", x64_movq_xr(cb, false, 0, R11))			\
	R("movq xmm8, rax", x64_movq_xr(cb, true, 8, RAX))				\
	R("movd eax, xmm3", x64_movq_rx(cb, false, RAX, 3))			\
	R("movq r11, xmm14", x64_movq_rx(cb, true, R11, 14))			\
	R("addss xmm1, xmm2", x64_addss_rr(cb, 1, 2))				\
	R("addsd xmm10, xmm0", x64_addsd_rr(cb, 10, 0))				\
	R("subsd xmm0, xmm15", x64_sse_rr(cb, true, SSE_SUB, 0, 15))		\
	R("mulss xmm3, xmm4", x64_sse_rr(cb, false, SSE_MUL, 3, 4))		\
	R("divsd xmm1, qword ptr [rsp + 0x10]", x64_sse_rm(cb, true, SSE_DIV, 1, x64_mb(RSP, 16)))	\
	R("minss xmm2, xmm1", x64_sse_rr(cb, false, SSE_MIN, 2, 1))		\
	R("maxsd xmm2, xmm1", x64_sse_rr(cb, true, SSE_MAX, 2, 1))		\
	R("sqrtsd xmm8, xmm8", x64_sse_rr(cb, true, SSE_SQRT, 8, 8))		\
	R("andps xmm0, xmm15", x64_logic_rr(cb, false, LOGIC_AND, 0, 15))		\
	R("andnpd xmm1, xmm2", x64_logic_rr(cb, true, LOGIC_ANDN, 1, 2))		\
	R("orpd xmm4, xmm5", x64_logic_rr(cb, true, LOGIC_OR, 4, 5))		\
	R("xorps xmm15, xmm15", x64_xorps_rr(cb, 15, 15))				\
	R("ucomiss xmm0, xmm1", x64_ucomis_rr(cb, false, 0, 1))			\
	R("ucomisd xmm9, xmm14", x64_ucomis_rr(cb, true, 9, 14))			\
	R("ucomisd xmm2, qword ptr [rsp + 0x18]", x64_ucomis_rm(cb, true, 2, x64_mb(RSP, 24)))	\
	R("cvtsi2ss xmm0, eax", x64_cvtsi2s_rr(cb, false, false, 0, RAX))		\
	R("cvtsi2sd xmm9, r11", x64_cvtsi2s_rr(cb, true, true, 9, R11))		\
	R("cvttss2si eax, xmm1", x64_cvtts2si_rr(cb, false, false, RAX, 1))	\
	R("cvttsd2si r11, xmm15", x64_cvtts2si_rr(cb, true, true, R11, 15))	\
	R("cvtss2sd xmm1, xmm2", x64_cvts2s_rr(cb, false, 1, 2))			\
	R("cvtsd2ss xmm8, xmm0", x64_cvts2s_rr(cb, true, 8, 0))			\
	R("roundss xmm0, xmm1, 0xa", x64_rounds_rr(cb, false, 0, 1, 10))		\
	R("roundsd xmm12, xmm3, 9", x64_rounds_rr(cb, true, 12, 3, 9))		\
	R("and al, r11b", x64_and8_rr(cb, RAX, R11))				\
	R("or sil, r11b", x64_or8_rr(cb, RSI, R11))

static const char *const expected[] = {
#define R_TEXT(text, call) text,
	ROWS(R_TEXT)
#undef R_TEXT
};

#define NROWS (sizeof(expected) / sizeof(expected[0]))

/* Emit row i into cb. */
static void emit_row(size_t i, struct codebuf *cb)
{
	size_t k = 0;

#define R_CALL(text, call)		\
	if (i == k++) {			\
		call;			\
		return;			\
	}
	ROWS(R_CALL)
#undef R_CALL
}

/* Disassemble the whole buffer; instructions joined by "; ".  False if some byte is not
 * covered by an instruction. */
static bool disasm(const struct codebuf *cb, char *out, size_t n)
{
	csh cs;
	cs_insn *insn;
	size_t count, used = 0;
	bool all;

	cr_assert_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &cs), CS_ERR_OK);
	count = cs_disasm(cs, cb->p, cb->len, 0, 0, &insn);
	out[0] = 0;
	for (size_t i = 0; i < count; i++) {
		snprintf(out + strlen(out), n - strlen(out), "%s%s%s%s", i ? "; " : "",
			 insn[i].mnemonic, insn[i].op_str[0] ? " " : "", insn[i].op_str);
		used += insn[i].size;
	}
	all = used == cb->len;
	if (count)
		cs_free(insn, count);
	cs_close(&cs);
	return all;
}

Test(x64_emit, every_encoder_matches_capstone)
{
	int bad = 0;

	for (size_t i = 0; i < NROWS; i++) {
		struct codebuf cb;
		char text[256];
		bool whole;

		cb_init(&cb);
		emit_row(i, &cb);
		whole = disasm(&cb, text, sizeof(text));
		if (strcmp(text, expected[i]) || !whole) {
			cr_log_error("row %zu: want \"%s\", capstone says \"%s\"%s", i, expected[i],
				     text, whole ? "" : " (bytes left over)");
			bad++;
		}
		cb_free(&cb);
	}
	cr_expect_eq(bad, 0, "%d of %zu encoder rows differ", bad, NROWS);
}

Test(x64_emit, bad_register_is_poisoned)
{
	struct codebuf cb;

	cb_init(&cb);
	x64_mov_rr(&cb, true, 16, RAX);
	x64_mov_rm(&cb, true, RAX, x64_mbi(RAX, RSP, 0, 0)); /* rsp cannot be an index */
	cr_expect_eq(cb.npoison, 2);
	cr_expect_eq(cb.len, 4);
	cr_expect_eq(cb.p[0], 0x0f);
	cr_expect_eq(cb.p[1], 0x0b);
	cb_free(&cb);
}
