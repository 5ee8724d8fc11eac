import Testing

@testable import MixdownExecution

@Suite("Network guard")
struct NetworkGuardTests {
    static func v6(_ groups: [UInt16]) -> NetworkGuard.Address {
        .v6(groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
    }

    @Test("private, loopback and link-local addresses are refused in every spelling")
    func privateAddresses() {
        let refused: [NetworkGuard.Address] = [
            .v4([127, 0, 0, 1]), .v4([10, 1, 2, 3]), .v4([172, 16, 0, 1]), .v4([192, 168, 1, 1]), .v4([169, 254, 169, 254]),
            .v4([100, 64, 0, 1]), .v4([0, 0, 0, 0]), .v4([224, 0, 0, 1]),
            .v4([198, 18, 0, 1]), .v4([198, 19, 255, 254]), .v4([192, 0, 2, 1]), .v4([198, 51, 100, 7]), .v4([203, 0, 113, 9]),
            Self.v6([0, 0, 0, 0, 0, 0, 0, 1]), Self.v6([0, 0, 0, 0, 0, 0, 0, 0]), Self.v6([0xFE80, 0, 0, 0, 0, 0, 0, 1]),
            Self.v6([0xFD00, 0, 0, 0, 0, 0, 0, 1]), Self.v6([0xFEC0, 0, 0, 0, 0, 0, 0, 1]), Self.v6([0xFF02, 0, 0, 0, 0, 0, 0, 1]),
            Self.v6([0, 0, 0, 0, 0, 0xFFFF, 0x7F00, 0x0001]),  // ::ffff:127.0.0.1
            Self.v6([0, 0, 0, 0, 0, 0, 0x0A00, 0x0001]),  // ::10.0.0.1
            Self.v6([0x0064, 0xFF9B, 0, 0, 0, 0, 0xA9FE, 0xA9FE]),  // 64:ff9b::169.254.169.254
            Self.v6([0x2002, 0x7F00, 0x0001, 0, 0, 0, 0, 1]),  // 6to4 of 127.0.0.1
        ]
        for address in refused { #expect(!NetworkGuard.isPublic(address), "\(address)") }
    }

    @Test("public addresses pass")
    func publicAddresses() {
        let allowed: [NetworkGuard.Address] = [
            .v4([93, 184, 216, 34]), .v4([8, 8, 8, 8]), .v4([172, 32, 0, 1]), .v4([198, 20, 0, 1]), .v4([203, 0, 114, 1]),
            Self.v6([0x2606, 0x2800, 0x0220, 0x0001, 0x0248, 0x1893, 0x25C8, 0x1946]),
            Self.v6([0x2002, 0x5DB8, 0xD822, 0, 0, 0, 0, 1]),  // 6to4 of 93.184.216.34
        ]
        for address in allowed { #expect(NetworkGuard.isPublic(address), "\(address)") }
    }
}
