import ClusterAPI
import ClusterCLI
import ClusterClient
import ClusterCtlCommands
import ClusterDaemon
import Foundation
import Glibc
import POSIXSupport
import Testing
import TestSupport

/// The control server's transport under abuse: malformed requests, abandoned event streams, floods of idle
/// connections. Every error answer must carry the API's JSON body.
extension EmulatorSuites {
    @Suite struct ControlHardeningTests {
        /// One raw request, the status it must get and the error code in its body.
        struct Malformed: CustomStringConvertible, Sendable {
            var name: String
            var request: [UInt8]
            var status: Int
            var code: String
            var message: String = ""

            init(_ name: String, _ request: String, _ status: Int, _ code: String, message: String = "") {
                self.name = name
                self.request = Array(request.utf8)
                self.status = status
                self.code = code
                self.message = message
            }

            init(_ name: String, bytes: [UInt8], _ status: Int, _ code: String) {
                self.name = name
                self.request = bytes
                self.status = status
                self.code = code
            }

            var description: String { name }
        }

        static let chunkedHead = "Host: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        /// 1.25 MiB in 64 KiB chunks: over the 1 MiB limit without a Content-Length to check first.
        static let hugeChunks = String(repeating: "10000\r\n" + String(repeating: " ", count: 65_536) + "\r\n",
                                       count: 20) + "0\r\n\r\n"
        static let json = "Host: x\r\nContent-Type: application/json\r\nConnection: close\r\n"

        /// A well-formed POST to `/v1/clusters/t/<verb>` with `body`.
        static func post(_ verb: String, _ body: String) -> String {
            "POST /v1/clusters/t/\(verb) HTTP/1.1\r\n" + json + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        }

        static let table: [Malformed] = [
            Malformed("not HTTP", "GARBAGE\r\n\r\n", 400, "bad_request", message: "not valid HTTP/1.1"),
            Malformed("TLS hello", bytes: [0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03, 0x0D,
                                           0x0A, 0x0D, 0x0A], 400, "bad_request"),
            Malformed("no version", "GET /v1/health\r\nHost: x\r\n\r\n", 400, "bad_request"),
            Malformed("bad version", "GET /v1/health HTTP/x.y\r\nHost: x\r\n\r\n", 400, "bad_request"),
            Malformed("control character in method", "G\u{01}T /v1/health HTTP/1.1\r\n\r\n", 400, "bad_request"),
            Malformed("space in target", "GET /v1/he alth HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
            Malformed("header without colon", "GET /v1/health HTTP/1.1\r\nHost x\r\n\r\n", 400, "bad_request"),
            Malformed("space in header name", "GET /v1/health HTTP/1.1\r\nBad Header: 1\r\n\r\n", 400,
                      "bad_request"),
            Malformed("bad content length", "POST /v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                      400, "bad_request", message: "Content-Length"),
            Malformed("two content lengths",
                      "POST /v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                      400, "bad_request"),
            Malformed("huge header", "GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: "
                      + String(repeating: "a", count: 100_000) + "\r\n\r\n", 400, "bad_request"),
            Malformed("bad chunk size, body read", "POST /v1/clusters/t/scale HTTP/1.1\r\n" + chunkedHead
                      + "ZZ\r\n{}\r\n0\r\n\r\n", 400, "bad_request", message: "chunk size"),
            Malformed("bad chunk size in a role command", "POST /v1/clusters/t/start HTTP/1.1\r\n" + chunkedHead
                      + "2\r\n{}\r\nZZ\r\n", 400, "bad_request"),
            Malformed("chunked body over 1 MiB", "POST /v1/clusters/t/scale HTTP/1.1\r\n" + chunkedHead
                      + hugeChunks, 413, "payload_too_large"),
            Malformed("declared body over 1 MiB", "POST /v1/clusters/t/start HTTP/1.1\r\n" + json
                      + "Content-Length: 2000000\r\n\r\n", 413, "payload_too_large"),
            Malformed("invalid JSON", post("scale", "{\"engines\": "), 400, "bad_request", message: "not valid JSON"),
            Malformed("wrong type", post("scale", "{\"engines\": \"2\"}"), 400, "bad_request",
                      message: "bad value for \"engines\""),
            Malformed("negative count", post("scale", "{\"engines\": -1}"), 400, "bad_request",
                      message: "must be 0 or more"),
            Malformed("array body", post("scale", "[1,2]"), 400, "bad_request"),
            Malformed("unknown role", post("start", "{\"role\": \"workers\"}"), 400, "bad_request"),
            Malformed("bad since", "GET /v1/events?since=yesterday HTTP/1.1\r\n" + json + "\r\n", 400,
                      "bad_request"),
            Malformed("bad percent-encoding", "GET /v1/clusters/%ZZ HTTP/1.1\r\n" + json + "\r\n", 400,
                      "bad_request"),
            Malformed("encoded slash in a name", "GET /v1/clusters/..%2Fx HTTP/1.1\r\n" + json + "\r\n", 404,
                      "cluster_not_found", message: "no cluster \"../x\""),
            Malformed("newline in a name", "GET /v1/clusters/a%0Ab HTTP/1.1\r\n" + json + "\r\n", 404,
                      "cluster_not_found", message: "no cluster \"a\\nb\""),
            Malformed("quote in an events filter", "GET /v1/events?cluster=%22x HTTP/1.1\r\n" + json + "\r\n", 404,
                      "cluster_not_found", message: "no cluster \"\\\"x\""),
            Malformed("no route", "GET /v2/health HTTP/1.1\r\n" + json + "\r\n", 404, "not_found"),
            Malformed("wrong method", "PUT /v1/status HTTP/1.1\r\n" + json + "\r\n", 405, "method_not_allowed"),
        ]

        @Test func malformedRequestsGetOneJSONError() async throws {
            let harness = try await ControlHarness.start(engines: 0)
            for malformed in Self.table {
                let connection = try RawSocket(harness.socketPath)
                connection.send(malformed.request)
                let answer = connection.readAll()
                connection.close()
                let (head, body) = Self.split(answer)
                #expect(head.hasPrefix("HTTP/1.1 \(malformed.status) "), "\(malformed): \(head)")
                #expect(answer.components(separatedBy: "HTTP/1.1 ").count == 2, "\(malformed): one answer: \(answer)")
                #expect(head.lowercased().contains("content-type: application/json"), "\(malformed): \(head)")
                let error = try? APIJSON.decode(APIErrorBody.self, from: Array(body.utf8))
                #expect(error?.error.code == malformed.code, "\(malformed): \(body)")
                #expect(malformed.message.isEmpty || error?.error.message.contains(malformed.message) == true,
                        "\(malformed): \(body)")
            }
            // None of them was a bug, and the server still answers.
            #expect(try harness.client.health().status == "ok")
            await harness.stop()
        }

        /// A follower that goes away is forgotten at once, not at the next event (there is none here: the
        /// harness ticks only when asked).
        @Test func abandonedFollowStreamIsDeregistered() async throws {
            let harness = try await ControlHarness.start(engines: 0)
            let follower = try RawSocket(harness.socketPath)
            follower.send(Array("GET /v1/events?follow=true HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            #expect(follower.readSome().hasPrefix("HTTP/1.1 200"))
            #expect(try await Self.followers(harness, becomes: 1))
            follower.close()
            #expect(try await Self.followers(harness, becomes: 0), "the stream ended when its client left")
            await harness.stop()
        }

        /// 1,100 idle connections used to take the daemon's 1,024 descriptors: the API stopped, qstat could not be
        /// spawned. Now the server holds at most `maximumConnections` and closes the longest-idle ones for new
        /// clients, so a real request still gets its answer at once.
        @Test func elevenHundredIdleConnections() async throws {
            _ = OpenFileLimit.raiseSoftLimitToHard()
            try #require(OpenFileLimit.current > 1_400, "this test needs 1,400 descriptors")
            let harness = try await ControlHarness.start(engines: 0, idleTimeout: .seconds(10))
            let before = Self.openDescriptors()
            let path = harness.socketPath
            let idle: [Int32] = try await Task.detached {
                var fds: [Int32] = []
                for _ in 0..<1_100 {
                    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
                    try #require(fd >= 0 && UnixSocket.connect(fd, to: path) == 0)
                    fds.append(fd)
                }
                return fds
            }.value
            defer { for fd in idle { close(fd) } }
            // NIO accepts up to 4 connections in one read before it asks the limiter again.
            #expect(harness.server.openConnections <= ControlServer.maximumConnections + 4)
            let serverSide = Self.openDescriptors() - before - idle.count
            #expect(serverSide <= ControlServer.maximumConnections + 16, "the daemon's descriptors stay bounded")

            let began = ContinuousClock.now
            let client = harness.client
            let status = try await Task.detached { try client.daemonStatus() }.value
            #expect(status.clusters == ["t"])
            #expect(ContinuousClock.now - began < .seconds(5), "answered while 1,100 idle connections wait")
            // clusterctl too, in process.
            let ctl = await CommandOutput.capture(Clusterctl.self, ["status", "--socket", path])
            #expect(ctl.status == 0, "\(ctl.stderr)")
            #expect(harness.server.openConnections <= ControlServer.maximumConnections + 4)
            await harness.stop()
        }

        /// A connection that never sends anything is closed after the idle timeout (1 s in the harness).
        @Test func silentConnectionIsClosedAfterIdleTimeout() async throws {
            let harness = try await ControlHarness.start(engines: 0)
            let silent = try RawSocket(harness.socketPath)
            let began = ContinuousClock.now
            #expect(silent.readAll().isEmpty)
            silent.close()
            #expect(ContinuousClock.now - began < .seconds(5))
            await harness.stop()
        }

        /// Unknown cluster names come back as typed, not percent-encoded.
        @Test func unknownClusterIsEchoedAsTyped() async throws {
            let harness = try await ControlHarness.start(engines: 0)
            let run = await CommandOutput.capture(Clusterctl.self, ["status", "../x", "--socket", harness.socketPath])
            #expect(run.status == 4)
            #expect(run.stderr.contains("no cluster \"../x\""), "\(run.stderr)")
            #expect(!run.stderr.contains("%2F"))
            let scale = await CommandOutput.capture(Clusterctl.self, ["scale", "nope", "2", "--socket",
                                                                       harness.socketPath])
            #expect(scale.status == 4)
            #expect(scale.stderr.contains("no cluster \"nope\" is configured"), "\(scale.stderr)")
            await harness.stop()
        }

        static func split(_ answer: String) -> (head: String, body: String) {
            guard let range = answer.range(of: "\r\n\r\n") else { return (answer, "") }
            return (String(answer[..<range.lowerBound]), String(answer[range.upperBound...]))
        }

        static func followers(_ harness: ControlHarness, becomes count: Int) async throws -> Bool {
            for _ in 0..<100 {
                let lines = try harness.client.metrics().split(separator: "\n")
                if lines.contains(where: { ["clusterd_event_followers \(count)", "clusterd_event_followers \(count).0"]
                    .contains(String($0)) }) { return true }
                try await Task.sleep(for: .milliseconds(30))
            }
            return false
        }

        static func openDescriptors() -> Int {
            (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        }
    }
}
