/// The value of a short option, getopt style: the rest of its word (`-Fjson`) or the next argument
/// (`-F json`, advancing `index`). Nil when there is none.
func optionValue(_ letters: inout Substring, _ arguments: [String], _ index: inout Int) -> String? {
    if !letters.isEmpty {
        defer { letters = "" }
        return String(letters)
    }
    guard index < arguments.count else { return nil }
    defer { index += 1 }
    return arguments[index]
}
