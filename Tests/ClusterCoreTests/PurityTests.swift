import Foundation
import Testing

/// The decision core stays free of I/O: Package.swift gives ClusterCore only PBSCore, but the toolchain's own
/// modules (Glibc, Foundation, Dispatch) can be imported by any target, so the imports are checked here.
@Suite struct PurityTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources").standardizedFileURL

    /// Every `import` line of the Swift files under `Sources/<module>`, by file.
    static func imports(of module: String) throws -> [String: [String]] {
        let root = sources.appendingPathComponent(module)
        let files = try #require(FileManager.default.enumerator(atPath: root.path))
            .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(!files.isEmpty, "no sources found under \(root.path)")
        var result: [String: [String]] = [:]
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            result[file] = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0.hasPrefix("import ") || $0.hasPrefix("@testable import ") }
                .map { String($0.split(separator: " ").last!) }
        }
        return result
    }

    @Test func theReconcilerModuleImportsOnlyPBSCore() throws {
        for (file, modules) in try Self.imports(of: "ClusterCore") {
            #expect(modules.allSatisfy { $0 == "PBSCore" }, "Sources/ClusterCore/\(file) imports \(modules)")
        }
    }

    /// PBSCore uses the C library for `memchr` (the parsers' byte scans) and `mktime` (PBS dates), nothing else.
    @Test func pbsCoreImportsOnlyTheCLibrary() throws {
        for (file, modules) in try Self.imports(of: "PBSCore") {
            #expect(modules.allSatisfy { $0 == "Glibc" || $0 == "Darwin" }, "Sources/PBSCore/\(file) imports \(modules)")
        }
    }
}
