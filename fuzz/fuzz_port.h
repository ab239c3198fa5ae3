/*
 * fuzz_port.h
 *		What the libFuzzer harness needs from its port (fuzz_port.c).
 */
#ifndef FACEREC_FUZZ_PORT_H
#define FACEREC_FUZZ_PORT_H

#include <setjmp.h>

/* 4 megapixels: large enough for the corpus, small enough for ASan */
#define FUZZ_MAX_PIXELS (4 * 1024 * 1024)

/* image_port_fail longjmps here with 1 + the ImageError */
extern jmp_buf fuzz_error_jump;

/* free everything the decode core allocated for the last input */
extern void fuzz_port_reset(void);

#endif							/* FACEREC_FUZZ_PORT_H */
