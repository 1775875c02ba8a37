//go:build !purego

#include "textflag.h"

// TABMASK sets AX to the mask of the tabs in the 64 bytes at SI+off: bit i
// is set when byte i is '\t' (Y0 holds 32 tabs). Clobbers BX, Y1, Y2.
#define TABMASK(off) \
	VMOVDQU   (SI)(off*1), Y1   \
	VMOVDQU   32(SI)(off*1), Y2 \
	VPCMPEQB  Y0, Y1, Y1        \
	VPCMPEQB  Y0, Y2, Y2        \
	VPMOVMSKB Y1, AX            \
	VPMOVMSKB Y2, BX            \
	SHLQ      $32, BX           \
	ORQ       BX, AX

// func tabScanAVX2(line string, pos *tabIndex) int
//
// Records the offset of every tab in line (len(line) >= 64) into pos and
// returns how many there are, or -1 for more than maxCols (256).
//
// Each step compares 64 bytes with '\t' (two 32-byte AVX2 compares), turns
// the result into a 64-bit mask, and stores the offsets of its set bits
// eight at a time without a branch per bit: TZCNT of an empty mask gives
// 64, so the slots past the last tab get junk that the next step
// overwrites. The count only moves by POPCNT of the mask. pos has 64 slots
// of slack past maxCols for those writes. The last step loads the line's
// final 64 bytes, overlapping the previous step, and shifts out the bits it
// already saw, so nothing past the end of line is read.
TEXT ·tabScanAVX2(SB), NOSPLIT, $0-32
	MOVQ line_base+0(FP), SI
	MOVQ line_len+8(FP), CX
	MOVQ pos+16(FP), DI
	MOVL $0x09, AX
	MOVQ AX, X0
	VPBROADCASTB X0, Y0
	XORQ R8, R8 // offset of this step
	XORQ R9, R9 // tabs found

step:
	LEAQ 64(R8), R10
	CMPQ R10, CX
	JA   last
	TABMASK(R8)
	CALL extract<>(SB)
	CMPQ R9, $256
	JA   overflow
	MOVQ R10, R8
	JMP  step

last:
	CMPQ R8, CX
	JEQ  done
	// The final 64 bytes start at len-64; the first 64-(len-R8) of them
	// were seen by the previous step.
	LEAQ -64(CX), R11
	TABMASK(R11)
	MOVQ R8, CX
	SUBQ R11, CX // bits already seen
	SHRQ CX, AX
	CALL extract<>(SB)
	CMPQ R9, $256
	JA   overflow

done:
	VZEROUPPER
	MOVQ R9, ret+24(FP)
	RET

overflow:
	VZEROUPPER
	MOVQ $-1, ret+24(FP)
	RET

// SLOT stores R8 + the offset of AX's lowest set bit at pos[R11+off/4] and
// clears that bit. (TZCNT of 0 is 64: past the last tab, junk is stored.)
#define SLOT(off) \
	TZCNTQ AX, BX                \
	ADDQ   R8, BX                \
	MOVL   BX, off(DI)(R11*4)    \
	BLSRQ  AX, AX

// extract stores base R8 + the offset of each set bit of AX into
// pos (DI) from index R9 on, and adds the bit count to R9. Clobbers AX, BX,
// DX, R11.
TEXT extract<>(SB), NOSPLIT, $0-0
	POPCNTQ AX, DX
	MOVQ R9, R11
	ADDQ DX, R9

eight:
	SLOT(0)
	SLOT(4)
	SLOT(8)
	SLOT(12)
	SLOT(16)
	SLOT(20)
	SLOT(24)
	SLOT(28)
	ADDQ   $8, R11
	CMPQ   R11, R9
	JB     eight
	RET
