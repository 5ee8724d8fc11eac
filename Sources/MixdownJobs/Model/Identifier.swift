/// Ids that sort by creation time and cannot be guessed: 48 bits of milliseconds, then 80 random bits
/// from the system's secure generator, in Crockford base 32 (the ULID layout), behind a prefix.
public enum Identifier {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    public static func make(prefix: String, milliseconds: UInt64) -> String {
        var generator = SystemRandomNumberGenerator()
        var characters: [Character] = []
        characters.reserveCapacity(26)
        for shift in stride(from: 45, through: 0, by: -5) { characters.append(alphabet[Int((milliseconds >> UInt64(shift)) & 31)]) }
        let high = generator.next() as UInt64, low = generator.next() as UInt16
        for shift in stride(from: 59, through: 0, by: -5) { characters.append(alphabet[Int((high >> UInt64(shift)) & 31)]) }
        characters.append(alphabet[Int(((high & 0xF) << 1) | UInt64(low >> 15))])
        for shift in stride(from: 10, through: 0, by: -5) { characters.append(alphabet[Int((UInt64(low) >> UInt64(shift)) & 31)]) }
        return prefix + String(characters.prefix(26))
    }

    /// Whether `text` looks like an id with this prefix (before any lookup touches the store).
    public static func isValid(_ text: String, prefix: String) -> Bool {
        guard text.hasPrefix(prefix) else { return false }
        let body = text.dropFirst(prefix.count)
        return body.count == 26 && body.allSatisfy { alphabet.contains($0) }
    }
}
