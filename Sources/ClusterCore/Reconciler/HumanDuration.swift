/// Durations as people read them in messages and the CLI: `50 s`, `2m05s`, `1h30m`, `2d3h`.
public enum HumanDuration {
    /// `seconds` rounded to a whole second: `N s` below two minutes, else the two largest units.
    public static func text(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "\(seconds) s" }
        let whole = Int((seconds < 0 ? -seconds : seconds).rounded())
        let sign = seconds < 0 ? "-" : ""
        if whole < 120 { return "\(sign)\(whole) s" }
        let units = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        guard let first = units.firstIndex(where: { whole >= $0.1 }) else { return "\(sign)\(whole) s" }
        let (bigName, bigSize) = units[first]
        let (smallName, smallSize) = units[first + 1]
        let small = whole % bigSize / smallSize
        let padded = small < 10 && smallName != "h" ? "0\(small)" : "\(small)"
        return "\(sign)\(whole / bigSize)\(bigName)\(small == 0 ? "" : padded + smallName)"
    }

    /// Whole seconds the short way the configuration uses: `30s`, `15m`, `1h30m`, `1d1h1m1s`.
    public static func compact(_ seconds: Int) -> String {
        if seconds == 0 { return "0s" }
        var rest = seconds
        var text = ""
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}
