import Foundation
import CNcursesW
import Explorer

/// The explorer's Canvas and input on a real terminal, through ncursesw.
///
/// `start` sets the locale (wide characters need it) before `initscr`, picks the colour
/// mode from the terminal (256 → 8 → monochrome), enables mouse reports where the
/// terminal has them, and installs signal handlers; `stop` restores the terminal and is
/// safe to call twice.
public final class CursesTerminal: Terminal {
    public enum StartError: Error, CustomStringConvertible {
        case notATerminal
        case initFailed(String)
        public var description: String {
            switch self {
            case .notATerminal: return "userllm-tui needs a terminal on stdin and stdout; for scripts use --snapshot"
            case .initFailed(let why): return "could not start the terminal: \(why)"
            }
        }
    }

    public private(set) var colorMode: ColorMode
    public let mouseEnabled: Bool
    private var pairs: [PairKey: Int32] = [:]
    private var nextPair: Int32 = 1
    private var stopped = false
    private var wbuf: [wchar_t] = []

    private struct PairKey: Hashable { var fg: Int32; var bg: Int32 }

    /// Takes over the terminal. `colors` forces a colour mode (nil: detect).
    public static func start(colors: ColorMode?, mouse: Bool) throws -> CursesTerminal {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw StartError.notATerminal }
        setlocale(LC_ALL, "")
        // Esc must not wait a second for a following escape-sequence byte.
        setenv("ESCDELAY", "25", 0)
        // newterm, not initscr: initscr exits the process on an unknown TERM, and TERM=dumb
        // starts but draws nothing (a blank screen); both get a sentence instead.
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        let hint = "; use a terminal such as TERM=xterm-256color, or --snapshot for text output"
        guard !term.isEmpty else { throw StartError.initFailed("TERM is not set" + hint) }
        guard let screen = newterm(nil, stdout, stdin) else {
            throw StartError.initFailed("TERM=\(Self.quoted(term)) is not a terminal type this system's terminfo knows" + hint)
        }
        guard userllm_can_address_cursor() != 0 else {
            endwin()
            delscreen(screen)
            throw StartError.initFailed("TERM=\(Self.quoted(term)) cannot move the cursor, which a full-screen explorer needs" + hint)
        }
        TerminalSignals.install()
        cbreak()
        noecho()
        nonl()
        keypad(userllm_stdscr(), true)
        curs_set(0)
        var mode = ColorMode.monochrome
        if has_colors() {
            start_color()
            use_default_colors()
            mode = userllm_colors() >= 256 ? .xterm256 : (userllm_colors() >= 8 ? .ansi8 : .monochrome)
        }
        if let forced = colors {
            // Never ask for more colours than the terminal has.
            let order: [ColorMode] = [.monochrome, .ansi8, .xterm256]
            mode = order[min(order.firstIndex(of: forced)!, order.firstIndex(of: mode)!)]
        }
        var mouseOn = false
        if mouse {
            var old: mmask_t = 0
            mouseOn = mousemask(mmask_t(userllm_mouse_mask()), &old) != 0
            mouseinterval(0)
        }
        return CursesTerminal(colorMode: mode, mouse: mouseOn)
    }

    /// A TERM value for a message: control characters escaped, at most 60 characters.
    static func quoted(_ s: String) -> String {
        let cut = s.count > 60 ? String(s.prefix(60)) + "…" : s
        return cut.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
    }

    private init(colorMode: ColorMode, mouse: Bool) {
        self.colorMode = colorMode
        self.mouseEnabled = mouse
    }

    deinit { stop() }

    /// Restores the terminal: leaves curses mode, shows the cursor, resets signal handlers.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        if mouseEnabled {
            var old: mmask_t = 0
            mousemask(0, &old)
        }
        curs_set(1)
        endwin()
        TerminalSignals.uninstall()
    }

    public var stopRequested: Bool { TerminalSignals.pending != 0 }
    /// The signal that stopped the loop, or 0.
    public var stopSignal: Int32 { TerminalSignals.pending }

    public var width: Int { Int(userllm_cols()) }
    public var height: Int { Int(userllm_lines()) }

    public func present() { refresh() }

    // MARK: Canvas

    @discardableResult
    public func put(_ text: String, x: Int, y: Int, style: Style, maxWidth: Int?) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = min(width, maxWidth.map { x + max(0, $0) } ?? width)
        apply(style)
        var col = x
        for ch in sanitizedForTerminal(text) {
            let w = DisplayWidth.of(ch)
            if w == 0 { continue }
            if col + w > limit {
                if col < limit, col >= 0 { _ = mvaddstr(Int32(y), Int32(col), " ") }
                col = limit
                break
            }
            if col >= 0 { draw(ch, x: col, y: y) }
            col += w
        }
        return max(0, col - max(x, 0))
    }

    public func fill(_ rect: Rect, with character: Character, style: Style) {
        let x0 = max(0, rect.x), x1 = min(width, rect.maxX)
        guard x1 > x0 else { return }
        apply(style)
        let row = String(repeating: String(character), count: x1 - x0)
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            wbuf.removeAll(keepingCapacity: true)
            for s in row.unicodeScalars { wbuf.append(wchar_t(bitPattern: s.value)) }
            wbuf.append(0)
            _ = mvaddnwstr(Int32(y), Int32(x0), wbuf, Int32(wbuf.count - 1))
        }
    }

    /// One grapheme at its own column, so a libc width table that disagrees with ours
    /// cannot shift the rest of the line.
    private func draw(_ ch: Character, x: Int, y: Int) {
        wbuf.removeAll(keepingCapacity: true)
        for s in ch.unicodeScalars { wbuf.append(wchar_t(bitPattern: s.value)) }
        wbuf.append(0)
        _ = mvaddnwstr(Int32(y), Int32(x), wbuf, Int32(wbuf.count - 1))
    }

    private func apply(_ style: Style) {
        var attrs = userllm_a_normal()
        if style.bold { attrs |= userllm_a_bold() }
        if style.dim { attrs |= userllm_a_dim() }
        if style.underline { attrs |= userllm_a_underline() }
        if style.reverse { attrs |= userllm_a_reverse() }
        var pair: Int32 = 0
        if colorMode != .monochrome {
            let key = PairKey(fg: number(style.fg), bg: number(style.bg))
            if key.fg != -1 || key.bg != -1 {
                if let p = pairs[key] { pair = p }
                else if nextPair < min(Int32(userllm_color_pairs()), 32767) {
                    init_pair(Int16(nextPair), Int16(key.fg), Int16(key.bg))
                    pairs[key] = nextPair
                    pair = nextPair
                    nextPair += 1
                }
            }
        }
        _ = userllm_set_style(attrs, pair)
    }

    private func number(_ c: TerminalColor) -> Int32 {
        switch c {
        case .default: return -1
        case .basic(let n): return Int32(n & 7)
        case .indexed(let n): return colorMode == .xterm256 ? Int32(n) : Int32(n & 7)
        }
    }

    // MARK: Input

    public func readInput(timeoutMs: Int) -> InputEvent? {
        timeout(Int32(timeoutMs))
        var wc: wint_t = 0
        let r = get_wch(&wc)
        if r == ERR { return nil }
        if r == userllm_key_code_yes() {
            let code = Int32(wc)
            switch code {
            case userllm_key_up(): return .key(.up)
            case userllm_key_down(): return .key(.down)
            case userllm_key_left(): return .key(.left)
            case userllm_key_right(): return .key(.right)
            case userllm_key_ppage(): return .key(.pageUp)
            case userllm_key_npage(): return .key(.pageDown)
            case userllm_key_home(): return .key(.home)
            case userllm_key_end(): return .key(.end)
            case userllm_key_btab(): return .key(.backTab)
            case userllm_key_enter(): return .key(.enter)
            case userllm_key_backspace(): return .key(.backspace)
            case userllm_key_resize(): return .resize(width: width, height: height)
            case userllm_key_mouse():
                var ev = MEVENT()
                guard getmouse(&ev) == OK else { return readInput(timeoutMs: 0) }
                let b = UInt(ev.bstate)
                let kind: MouseEvent.Kind
                if userllm_mouse_is_wheel_up(b) != 0 { kind = .wheelUp }
                else if userllm_mouse_is_wheel_down(b) != 0 { kind = .wheelDown }
                else if userllm_mouse_is_click(b) != 0 { kind = .click }
                else { return readInput(timeoutMs: 0) }
                return .mouse(MouseEvent(kind: kind, x: Int(ev.x), y: Int(ev.y)))
            default: return readInput(timeoutMs: 0)
            }
        }
        switch wc {
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        default:
            guard let s = Unicode.Scalar(UInt32(wc)) else { return nil }
            return .key(.char(Character(s)))
        }
    }
}
