#ifndef USERLLM_CNCURSESW_SHIM_H
#define USERLLM_CNCURSESW_SHIM_H
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncursesw/ncurses.h>

// ncurses exposes its screen and sizes as C globals (or macros over them); Swift 6
// strict concurrency rejects those, so they are read through functions.
static inline WINDOW *userllm_stdscr(void) { return stdscr; }
static inline int userllm_lines(void) { return LINES; }
static inline int userllm_cols(void) { return COLS; }
static inline int userllm_colors(void) { return COLORS; }
static inline int userllm_color_pairs(void) { return COLOR_PAIRS; }
static inline int userllm_key_resize(void) { return KEY_RESIZE; }
static inline int userllm_key_mouse(void) { return KEY_MOUSE; }
#endif
