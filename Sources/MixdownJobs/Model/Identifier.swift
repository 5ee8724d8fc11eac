internal import Synchronization

/// Ids that sort by creation time and cannot be guessed: 48 bits of milliseconds, then 80 random bits
/// from the system's secure generator, in Crockford base 32 (the ULID layout), behind a prefix.
public enum Identifier {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// The last ordered id this process made: its millisecond and its 80-bit tail.
    private static let lastOrdered = Mutex<(milliseconds: UInt64, high: UInt64, low: UInt16)>((0, 0, 0))

    public static func make(prefix: String, milliseconds: UInt64) -> String {
        var generator = SystemRandomNumberGenerator()
        return encode(prefix: prefix, milliseconds: milliseconds, high: generator.next(), low: generator.next())
    }

    /// Like `make`, but every id this process returns sorts after the one before, even within one
    /// millisecond or when the clock steps back. Within a millisecond the tail grows by a random step
    /// of up to 2^32, so the next id still cannot be guessed from the last one; if the 80 bits run out
    /// the millisecond moves on.
    public static func makeOrdered(prefix: String, milliseconds: UInt64) -> String {
        var generator = SystemRandomNumberGenerator()
        let (milliseconds, high, low) = lastOrdered.withLock { last in
            if milliseconds > last.milliseconds {
                last = (milliseconds, generator.next(), generator.next())
                return last
            }
            let step = UInt64(generator.next() as UInt32) + 1
            let newLow = UInt32(last.low) + UInt32(truncatingIfNeeded: step & 0xFFFF)
            let (newHigh, highOverflow) = last.high.addingReportingOverflow(UInt64(newLow >> 16) + (step >> 16))
            if highOverflow {
                last = (last.milliseconds &+ 1, generator.next(), generator.next())
            } else {
                last = (last.milliseconds, newHigh, UInt16(truncatingIfNeeded: newLow))
            }
            return last
        }
        return encode(prefix: prefix, milliseconds: milliseconds, high: high, low: low)
    }

    private static func encode(prefix: String, milliseconds: UInt64, high: UInt64, low: UInt16) -> String {
        var characters: [Character] = []
        characters.reserveCapacity(26)
        for shift in stride(from: 45, through: 0, by: -5) { characters.append(alphabet[Int((milliseconds >> UInt64(shift)) & 31)]) }
        for shift in stride(from: 59, through: 0, by: -5) { characters.append(alphabet[Int((high >> UInt64(shift)) & 31)]) }
        characters.append(alphabet[Int(((high & 0xF) << 1) | UInt64(low >> 15))])
        for shift in stride(from: 10, through: 0, by: -5) { characters.append(alphabet[Int((UInt64(low) >> UInt64(shift)) & 31)]) }
        return prefix + String(characters)
    }

    /// Whether `text` looks like an id with this prefix (before any lookup touches the store).
    public static func isValid(_ text: String, prefix: String) -> Bool {
        guard text.hasPrefix(prefix) else { return false }
        let body = text.dropFirst(prefix.count)
        return body.count == 26 && body.allSatisfy { alphabet.contains($0) }
    }
}
