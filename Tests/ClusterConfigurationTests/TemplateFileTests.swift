import ClusterConfiguration
import ClusterCore
import TestSupport
import Testing

@Suite struct TemplateFileTests {
    static func cluster(script: String) throws -> ClusterConfig {
        let loader = ConfigLoader(environment: ConfigEnvironment(home: "/home/ada", uid: 1_000))
        let text = "[clusters.c1.engines]\nscript = \"\(script)\"\n"
        return try #require(try loader.parse(text, path: "t.toml").cluster(named: "c1"))
    }

    @Test func readsTheUsersTemplate() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("engines.sh", Array("#!/bin/sh\nrun {{profile}}\n".utf8))
        let template = try #require(try TemplateFile.load(for: .engine, of: try Self.cluster(script: path)))
        #expect(template.text == "#!/bin/sh\nrun {{profile}}\n")
        #expect(template.origin == path)
        #expect(try TemplateFile.load(for: .controller, of: try Self.cluster(script: path)) == nil, "built-in")
    }

    @Test func unreadableTemplatesSayWhy() throws {
        let dir = try TemporaryDirectory()
        let missing = dir.path + "/missing.sh"
        let notText = try dir.write("binary.sh", [0xFF, 0xFE, 0x00])
        let cases = [
            (missing, "\(missing): cannot read the job-script template: no such file"),
            (dir.path, "\(dir.path): cannot read the job-script template: Is a directory"),
            (notText, "\(notText): cannot read the job-script template: the file is not UTF-8 text"),
        ]
        for (path, message) in cases {
            let error = #expect(throws: TemplateFile.Unreadable.self) {
                try TemplateFile.load(for: .engine, of: try Self.cluster(script: path))
            }
            #expect(error?.description == message)
        }
    }
}
