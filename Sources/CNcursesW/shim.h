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
// A full-screen program needs cursor addressing (terminfo `cup`); TERM=dumb has none.
static inline int userllm_can_address_cursor(void) {
    char *cup = tigetstr("cup");
    return cup != NULL && cup != (char *)-1;
}

// Attributes, colour pairs, keys and mouse buttons are function-like or computed
// macros that Swift cannot import; the explorer reads them here.
static inline unsigned int userllm_a_normal(void) { return A_NORMAL; }
static inline unsigned int userllm_a_bold(void) { return A_BOLD; }
static inline unsigned int userllm_a_dim(void) { return A_DIM; }
static inline unsigned int userllm_a_underline(void) { return A_UNDERLINE; }
static inline unsigned int userllm_a_reverse(void) { return A_REVERSE; }
static inline int userllm_set_style(unsigned int attrs, int pair) { return attr_set((attr_t)attrs, (short)pair, NULL); }
static inline int userllm_key_code_yes(void) { return KEY_CODE_YES; }
static inline int userllm_key_up(void) { return KEY_UP; }
static inline int userllm_key_down(void) { return KEY_DOWN; }
static inline int userllm_key_left(void) { return KEY_LEFT; }
static inline int userllm_key_right(void) { return KEY_RIGHT; }
static inline int userllm_key_ppage(void) { return KEY_PPAGE; }
static inline int userllm_key_npage(void) { return KEY_NPAGE; }
static inline int userllm_key_home(void) { return KEY_HOME; }
static inline int userllm_key_end(void) { return KEY_END; }
static inline int userllm_key_btab(void) { return KEY_BTAB; }
static inline int userllm_key_enter(void) { return KEY_ENTER; }
static inline int userllm_key_backspace(void) { return KEY_BACKSPACE; }
static inline unsigned long userllm_mouse_mask(void) {
    return BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED;
}
static inline int userllm_mouse_is_click(unsigned long b) { return (b & (BUTTON1_PRESSED | BUTTON1_CLICKED)) != 0; }
static inline int userllm_mouse_is_wheel_up(unsigned long b) { return (b & BUTTON4_PRESSED) != 0; }
static inline int userllm_mouse_is_wheel_down(unsigned long b) { return (b & BUTTON5_PRESSED) != 0; }
#endif
