internal import MixdownRecipe
internal import Foundation

/// Renders a plan as a POSIX shell script that reproduces the run: the same ffmpeg command lines, the
/// measurement read back from ebur128's summary, and the gain computed the same way.
public enum ShellScript {
    /// Filter graphs up to this size stay inline (`-filter_complex '...'`), so the script reads like the
    /// command it is; larger ones are written to a file first, because the kernel caps one argument
    /// at 128 KiB.
    static let inlineGraphLimit = 32 * 1024

    public static func render(_ plan: Plan, downloads: [String: String] = [:]) -> String {
        var lines = [
            "#!/bin/sh",
            "# mixdown plan for \(plan.recipe): \(plan.stages.count) process(es)",
            "set -eu",
            "OUT=\"${OUT:-./out}\"",
            "WORK=\"$(mktemp -d)\"",
            "trap 'rm -rf \"$WORK\"' EXIT",
            "mkdir -p \"$OUT\"",
        ]
        if let video = plan.video {
            lines.insert("# video: \(video.encoder.rawValue) (render device \(video.requested.rawValue): \(video.reason))", at: 2)
        }
        for (name, command) in downloads.sorted(by: { $0.key < $1.key }) {
            lines.append("# input \(name)")
            lines.append(command)
        }
        var index = 0
        while index < plan.stages.count {
            let stage = plan.stages[index]
            lines.append("")
            switch stage.kind {
            case .ffmpeg:
                if stage.pipesTo != nil {
                    var chain = [stage]
                    while let next = chain.last?.pipesTo, let following = plan.stages.first(where: { $0.id == next }) { chain.append(following) }
                    lines.append("# stages \(chain.map(\.id).joined(separator: " | ")): processes joined by pipes of float PCM")
                    let commands = chain.map { command($0, plan: plan) }
                    lines += commands.flatMap(\.prelude)
                    lines.append(commands.map(\.line).joined(separator: " \\\n  | "))
                    index += chain.count
                    continue
                }
                lines.append("# stage \(stage.id)")
                if stage.measures.isEmpty {
                    let rendered = command(stage, plan: plan)
                    lines += rendered.prelude
                    lines.append(rendered.line)
                } else {
                    // mixdown measures the WAV on standard output with libebur128. Here that WAV goes to a
                    // file (a pipe would hide the first ffmpeg's failure from `set -e`), and ffmpeg's
                    // ebur128 filter stands in for the meter (its true peak can read up to 0.6 dB high).
                    var toFile = stage
                    toFile.arguments = stage.arguments.map { $0 == "pipe:1" ? meterToken(stage) : $0 }
                    let rendered = command(toFile, plan: plan)
                    lines += rendered.prelude
                    lines.append(rendered.line)
                    lines.append(
                        "ffmpeg -hide_banner -nostdin -i \(meterPath(stage)) -af ebur128=peak=true+sample -f null - 2> \"$WORK/\(stage.id).log\""
                    )
                    for measurement in stage.measures { lines += gainLines(measurement, log: "$WORK/\(stage.id).log") }
                }
            case .analyze, .peaks:
                let output = plan.outputs.first { $0.name == stage.output }?.fileName ?? "out.json"
                lines.append("# stage \(stage.id): mixdown writes \(output) from this measurement")
                let filter = stage.kind == .analyze ? "ebur128=peak=true+sample:framelog=verbose" : "astats=metadata=1"
                lines.append(
                    "ffmpeg -hide_banner -nostdin -i "
                        + (stage.inputPath.map { quote($0, expand: false) } ?? quote("$WORK/\(stage.source ?? "")", expand: true))
                        + " -af \(filter) -f null - 2> \"$WORK/\(stage.id).log\""
                )
            }
            index += 1
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    private static func gainLines(_ measurement: GainMeasurement, log: String) -> [String] {
        let variable = variableName(measurement.step)
        var lines = [
            "I=$(sed -n 's/^ *I: *\\(-*[0-9.inf]*\\) LUFS$/\\1/p' \"\(log)\" | tail -n 1)",
            "TP=$(sed -n '/True peak:/,$ s/^ *Peak: *\\(-*[0-9.inf]*\\) dBFS$/\\1/p' \"\(log)\" | tail -n 1)",
            "SP=$(sed -n '/Sample peak:/,/True peak:/ s/^ *Peak: *\\(-*[0-9.inf]*\\) dBFS$/\\1/p' \"\(log)\" | tail -n 1)",
        ]
        let program = GainRule.awkProgram(for: measurement.goal)
        lines.append("\(variable)=$(awk -v i=\"$I\" -v tp=\"$TP\" -v sp=\"$SP\" \(quote(program, expand: false)))")
        return lines
    }

    /// Where a measuring stage's meter WAV goes in the script, and the token standing for it.
    private static func meterToken(_ stage: Stage) -> String { "{{meter:\(stage.id)}}" }
    private static func meterPath(_ stage: Stage) -> String {
        "\"$WORK/" + String(stage.id.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }) + ".meter.wav\""
    }

    private static func variableName(_ step: String) -> String {
        "GAIN_" + String(step.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// The ffmpeg command line for a stage, and the lines that must run before it (writing a large graph).
    private static func command(_ stage: Stage, plan: Plan) -> (prelude: [String], line: String) {
        var words = stage.arguments.map { argument(for: $0, plan: plan) }
        // The meter that checks the outputs' `expect` reads standard output; the script checks no
        // expectations, so that copy of the audio is discarded.
        if !stage.meters.isEmpty, let meter = words.lastIndex(of: "pipe:1") { words[meter] = "/dev/null" }
        var prelude: [String] = []
        if let index = stage.arguments.firstIndex(of: "-filter_complex"), index + 1 < stage.arguments.count,
            stage.arguments[index + 1].utf8.count > inlineGraphLimit
        {
            // printf is a shell builtin: its argument never passes through execve, so its size is not capped.
            let file = "\"$WORK/" + String(stage.id.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }) + ".filtergraph\""
            prelude.append("printf '%s' \(words[index + 1]) > \(file)")
            words.replaceSubrange(index...(index + 1), with: ["-filter_complex_script", file])
        }
        return (prelude, (["ffmpeg"] + words).joined(separator: " "))
    }

    /// Quotes an argument, turning plan tokens into shell paths and variables.
    private static func argument(for value: String, plan: Plan) -> String {
        var text = quote(value, expand: false)
        for output in plan.outputs {
            text = text.replacingOccurrences(of: "{{output:\(output.name)}}", with: "'\"$OUT/\(output.fileName)\"'")
        }
        for file in plan.workFiles { text = text.replacingOccurrences(of: "{{work:\(file)}}", with: "'\"$WORK/\(file)\"'") }
        for stage in plan.stages where !stage.measures.isEmpty {
            text = text.replacingOccurrences(of: meterToken(stage), with: "'" + meterPath(stage) + "'")
        }
        for stage in plan.stages {
            for measurement in stage.measures {
                text = text.replacingOccurrences(of: measurement.placeholder, with: "'\"$\(variableName(measurement.step))\"'")
            }
        }
        // Drop empty quote pairs left where a token filled the whole argument.
        if text.hasPrefix("''") { text.removeFirst(2) }
        if text.hasSuffix("''"), text.count >= 2 { text.removeLast(2) }
        return text
    }

    static func quote(_ value: String, expand: Bool) -> String {
        if expand { return "\"" + value + "\"" }
        let safe = value.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=+,@%".contains($0) }
        if safe && !value.isEmpty && !value.contains("{{") { return value }
        return "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
