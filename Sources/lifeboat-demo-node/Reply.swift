import Foundation
import Hummingbird

/// Builds the demo node's HTTP responses.
enum Reply {
    /// A JSON body (keys sorted, so equal content gives equal bytes).
    static func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data(#"{"error":"could not encode"}"#.utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A plain-text body.
    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A problem+json body for a failed request; `detail` never carries secrets.
    static func problem(_ title: String, _ detail: String, status: HTTPResponse.Status) -> Response {
        var response = json(["title": title, "detail": detail, "status": Int(status.code)], status: status)
        response.headers[.contentType] = "application/problem+json"
        return response
    }
}
