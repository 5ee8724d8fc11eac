public import AsyncHTTPClient
internal import NIOCore

/// The HTTP client of every outbound call that carries a credential or a presigned URL (dispatches, render
/// callbacks, the doctor's probes): redirects are never followed, since a 3xx could send the credential or
/// the bytes to another host; responses are not decompressed; connects and reads time out. One client per
/// use, for the process, on the shared event loop group, so it is never shut down.
public enum GuardedHTTPClient {
    public static func make(connectSeconds: Int64, readSeconds: Int64) -> HTTPClient {
        HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: HTTPClient.Configuration.Timeout(connect: .seconds(connectSeconds), read: .seconds(readSeconds)),
                decompression: .disabled
            )
        )
    }
}
