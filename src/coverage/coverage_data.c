/*
 * coverage_data.c - state-coverage/coverage.rec, embedded at build time.
 *
 * The assembler's .incbin copies the file's bytes into .rodata, so the
 * binary needs no data file at run time. The path is relative to the
 * directory the compiler runs in, the repository root (the Makefile and
 * tests/fuzz/fuzz.mk both compile from there). The Makefile makes this
 * object depend on the file, so an edit to the data rebuilds it.
 */
#include "coverage_internal.h"

__asm__(".section .rodata\n"
        ".balign 16\n"
        ".globl mdlg__coverage_rec\n"
        ".hidden mdlg__coverage_rec\n"
        ".type mdlg__coverage_rec, @object\n"
        "mdlg__coverage_rec:\n"
        ".incbin \"state-coverage/coverage.rec\"\n"
        ".globl mdlg__coverage_rec_end\n"
        ".hidden mdlg__coverage_rec_end\n"
        "mdlg__coverage_rec_end:\n"
        ".byte 0\n"
        ".previous\n");
