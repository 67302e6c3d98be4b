/// The frame of a spinner at animation tick `tick` (the UI advances it ~12 times a second).
public enum Spinner {
    public static func frame(_ tick: Int, glyphs: Glyphs) -> String {
        let f = glyphs.spinner
        return f[((tick % f.count) + f.count) % f.count]
    }
}
