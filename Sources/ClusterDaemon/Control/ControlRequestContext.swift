import ClusterAPI
import Hummingbird
import NIOCore

/// The request context of the control API: keeps the connection's channel so the peer's credentials can be read.
struct ControlRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The unix-socket connection the request came on.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Bodies over 1 MiB are refused with 413.
    var maxUploadSize: Int { APIPaths.maxBodyBytes }
}
