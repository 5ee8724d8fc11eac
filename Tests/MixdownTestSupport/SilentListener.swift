import Foundation

#if canImport(Glibc)
    internal import Glibc
    private let silentStreamSocket = Int32(SOCK_STREAM.rawValue)
#else
    internal import Darwin
    private let silentStreamSocket = SOCK_STREAM
#endif

/// A loopback port whose connections the kernel completes (the listen backlog) and nobody ever answers:
/// a client that sends a request there waits for a reply that never comes, as with a server that hangs.
public final class SilentListener: Sendable {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        let descriptor = socket(AF_INET, silentStreamSocket, 0)
        guard descriptor >= 0 else { throw TestSupportError("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && listen(descriptor, 16) == 0
                    && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard ready else {
            close(descriptor)
            throw TestSupportError("could not listen on loopback: \(errno)")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
