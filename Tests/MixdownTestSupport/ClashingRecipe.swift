/// Structurally valid recipes whose names clash and whose numbers are odd, built from a list of choices
/// (so a property test's generator, shrinking included, drives them): step ids that repeat an input's
/// name or another step's id, outputs named like steps, references to the repeated names, `true` and
/// `'true'` as two keys, and numbers such as `1e308`, `-0`, `nan` or `99999999999999999999`.
public enum ClashingRecipe {
    /// Few names, so most picks collide.
    public static let names = ["voice", "music", "body", "out", "step1", "step2", "true", "'true'"]
    public static let numbers = [
        "0", "-0", "1", "0.5", "2", "1e308", "-1e308", "1e-308", "99999999999999999999", "1e308s", "3600h", "nan", "inf", "-inf",
        "0x10", "${n}", "1000", "-2", "01:02:03.5", "86400", "604800",
    ]

    /// The recipe for `choices`; every choice is read modulo the options at its position.
    public static func text(_ choices: [Int]) -> String {
        var cursor = Cursor(choices: choices)
        let inputCount = 1 + cursor.pick(3)
        var lines = ["version: 1", "kind: edit", "params: { n: \(cursor.pick(from: numbers)) }", "inputs:"]
        for _ in 0..<inputCount { lines.append("  \(cursor.pick(from: names)): { file: media.wav }") }
        lines.append("steps:")
        for _ in 0..<cursor.pick(7) {
            let id = cursor.pick(2) == 0 ? "id: \(cursor.pick(from: names)), " : ""
            let (r1, r2) = (cursor.pick(from: names), cursor.pick(from: names))
            let (n1, n2) = (cursor.pick(from: numbers), cursor.pick(from: numbers))
            let operation: String
            switch cursor.pick(11) {
            case 0: operation = "gain: \(n1)"
            case 1: operation = "trim: { start: \(n1), end: \(n2) }"
            case 2: operation = "trim: { start: \(n1), duration: \(n2) }"
            case 3: operation = "concat: { tracks: [\(r1), \(r2)], crossfade: \(n1) }"
            case 4: operation = "crossfade: { tracks: [\(r1), \(r2)], duration: \(n1) }"
            case 5: operation = "mix: { tracks: [\(r1), \(r2)], weights: [\(n1), \(n2)] }"
            case 6: operation = "loop: { count: \(n1) }"
            case 7: operation = "pad: { start: \(n1), end: \(n2) }"
            case 8: operation = "speed: \(n1)"
            case 9: operation = "fade: { in: \(n1), out: \(n2) }"
            default: operation = "loop: { to: \(n1) }"
            }
            let from = cursor.pick(3) == 0 ? "from: \(r1), " : ""
            lines.append("  - { \(id)\(from)\(operation) }")
        }
        lines.append("outputs:")
        for _ in 0..<(1 + cursor.pick(3)) {
            let from = cursor.pick(4) == 0 ? "" : "from: \(cursor.pick(from: names)), "
            let expect =
                cursor.pick(3) == 0
                ? ", expect: { sample_rate: \(cursor.pick(from: numbers)), duration: [\(cursor.pick(from: numbers)), 1e308] }" : ""
            lines.append("  \(cursor.pick(from: names)): { \(from)format: wav\(expect) }")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private struct Cursor {
        let choices: [Int]
        var position = 0

        mutating func pick(_ count: Int) -> Int {
            defer { position += 1 }
            guard !choices.isEmpty else { return 0 }
            return Int(choices[position % choices.count].magnitude % UInt(count))
        }

        mutating func pick(from options: [String]) -> String { options[pick(options.count)] }
    }
}
