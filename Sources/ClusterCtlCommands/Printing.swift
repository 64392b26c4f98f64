import ClusterAPI
import ClusterCLI

/// Prints `text` plus a newline on standard output.
func say(_ text: String) {
    CommandOutput.current.line(text)
}

/// Prints `text` as one line on standard error.
func complain(_ text: String) {
    CommandOutput.current.standardError(text)
}

/// Prints `value` as pretty JSON on standard output.
func printJSON<T: Encodable>(_ value: T) throws {
    say(String(decoding: try APIJSON.encode(value, pretty: true), as: UTF8.self))
}
