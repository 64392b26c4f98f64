import Foundation

/// An error from the emulator itself (not an emulated PBS error): bad state directory, spawn failure.
public struct EmulatorError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Reads and writes `state.json` under an exclusive `flock` on `lock`, so concurrent commands and the server
/// never lose each other's updates.
struct StateStore {
    let context: EmulatorContext

    /// Runs `body` on the state with the lock held; writes the state back when `write` is true.
    func withLockedState<T>(write: Bool = true, _ body: (inout EmulatorState) throws -> T) throws -> T {
        try Self.makeDirectory(context.home)
        let fd = open(context.lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw EmulatorError("pbs-emu: cannot open \(context.lockFile): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw EmulatorError("pbs-emu: cannot lock \(context.lockFile): \(String(cString: strerror(errno)))")
            }
        }
        var state = try load()
        let before = state
        let result = try body(&state)
        if write, state != before {
            try save(state)
        }
        return result
    }

    private func load() throws -> EmulatorState {
        guard let data = FileManager.default.contents(atPath: context.stateFile), !data.isEmpty else {
            return EmulatorState()
        }
        do {
            return try JSONDecoder().decode(EmulatorState.self, from: data)
        } catch {
            throw EmulatorError("pbs-emu: \(context.stateFile) is unreadable (\(error)); move it away to start over")
        }
    }

    private func save(_ state: EmulatorState) throws {
        let data = try JSONEncoder().encode(state)
        let temporary = context.stateFile + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data),
              rename(temporary, context.stateFile) == 0 else {
            throw EmulatorError("pbs-emu: cannot write \(context.stateFile): \(String(cString: strerror(errno)))")
        }
    }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw EmulatorError("pbs-emu: cannot create \(path): \(error.localizedDescription)")
        }
    }
}
