import Foundation

/// A TCP socket bound to a port of 127.0.0.1 that the kernel picked.
public struct LoopbackSocket: Sendable {
    public let descriptor: Int32
    public let port: Int

    /// Binds a new socket; `listening` also makes the kernel accept connections to it, which nobody
    /// then answers (a peer that never replies).
    public init(listening: Bool) throws {
        let descriptor = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSupportError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound, !listening || listen(descriptor, 8) == 0 else {
            Foundation.close(descriptor)
            throw TestSupportError("could not bind a loopback port")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    public func close() {
        Foundation.close(descriptor)
    }
}
