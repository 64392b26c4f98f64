import ClusterAPI
import Hummingbird
import NIOCore

/// Builds the API's JSON responses.
enum JSONResponse {
    /// A 200 (or `status`) answer with `value` as compact JSON.
    static func ok<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        var bytes = try APIJSON.encode(value)
        bytes.append(0x0A)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The error body with the status its code implies.
    static func error(_ error: ControlError) -> Response {
        Response(status: HTTPResponse.Status(code: error.code.httpStatus),
                 headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: errorBytes(error))))
    }

    /// The bytes of an error body, for answers written below the router (`ControlConnectionHandler`).
    static func errorBytes(_ error: ControlError) -> [UInt8] {
        var bytes = (try? APIJSON.encode(error.body)) ?? Array("{}".utf8)
        bytes.append(0x0A)
        return bytes
    }
}
