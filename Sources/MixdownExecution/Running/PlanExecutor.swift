internal import Crypto
internal import Foundation
public import MixdownPlanner
import MixdownRecipe
internal import Synchronization

/// Runs a plan's stages as child processes and returns every output, measured and checked.
///
/// Outputs are written under temporary names in the output folder and renamed only when every stage
/// has succeeded and every `expect` holds; on failure or cancellation nothing half-written remains.
public struct PlanExecutor: Sendable {
    public var tools: MediaTools
    public var prober: MediaProber
    /// For benchmarks only (`mixdown run --discard-measurements`): every meter reads its audio and throws
    /// it away, and each gain is that of audio already at its goal, with the same filters (the limiter
    /// included). Against a normal run of the same plan it shows what measuring costs. Loudness
    /// expectations are not checked.
    public var discardsMeasurements = false

    public init(tools: MediaTools, prober: MediaProber) {
        self.tools = tools
        self.prober = prober
    }

    public func run(
        _ plan: Plan,
        outputDirectory: String,
        onEvent: @escaping @Sendable (ExecutionEvent) -> Void = { _ in }
    ) async throws -> [OutputArtifact] {
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        let token = UUID().uuidString.prefix(8)
        let workDirectory = "\(outputDirectory)/.mixdown-work-\(token)"
        try fileManager.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        var temporary: [String: String] = [:]
        for output in plan.outputs { temporary[output.name] = "\(outputDirectory)/.\(output.fileName).\(token).partial" }
        defer {
            try? fileManager.removeItem(atPath: workDirectory)
            for path in temporary.values { try? fileManager.removeItem(atPath: path) }
        }

        var run = StageRun(plan: plan, workDirectory: workDirectory, temporary: temporary, onEvent: onEvent)
        var index = 0
        while index < plan.stages.count {
            try Task.checkCancellation()
            let stage = plan.stages[index]
            if stage.pipesTo != nil {
                let chain = Self.pipeChain(from: stage, in: plan)
                try await runPiped(chain, run: &run)
                index += chain.count
                continue
            }
            switch stage.kind {
            case .ffmpeg: try await runFFmpeg(stage, run: &run)
            case .analyze: try await runAnalyze(stage, run: run)
            case .peaks: try await runPeaks(stage, run: run)
            }
            run.finish(stage)
            index += 1
        }
        try Task.checkCancellation()

        var artifacts: [OutputArtifact] = []
        var produced: [(temporary: String, final: String)] = []
        var misses: [MixdownError] = []
        for output in plan.outputs {
            guard let path = temporary[output.name], fileManager.fileExists(atPath: path) else {
                throw MixdownError(code: .outputMissing, message: "output '\(output.name)' was not produced", location: output.location)
            }
            let (artifact, miss) = try await describe(output, at: path, measured: run.outputLoudness[output.name])
            artifacts.append(artifact)
            if let miss { misses.append(miss) }
            produced.append((path, "\(outputDirectory)/\(output.fileName)"))
        }
        // A missed expectation fails the run, but the author should hear what was rejected: every output
        // is published under a rejected name (NAME.rejected.EXT), all or none, and listed in the error.
        if var failure = misses.first {
            for index in produced.indices { produced[index].final = "\(outputDirectory)/\(Self.rejectedName(plan.outputs[index].fileName))" }
            do {
                try OutputPublication.publish(produced)
            } catch let error as MixdownError {
                // The miss is what the author needs to read; that the rejected files could not be kept is secondary.
                failure.message += " (the rejected outputs could not be kept: \(error.message))"
                throw failure
            }
            temporary = [:]
            if misses.count > 1 { failure.message = misses.map(\.message).joined(separator: "; ") }
            let rejected = zip(artifacts, produced).map { artifact, file in
                var rejected = artifact
                rejected.path = file.final
                return rejected
            }
            throw ExpectationMiss(error: failure, rejected: rejected)
        }
        // Every check passed: publish all outputs, or none.
        try OutputPublication.publish(produced)
        temporary = [:]
        for index in artifacts.indices { artifacts[index].path = produced[index].final }
        return artifacts
    }

    /// `episode.mp3` -> `episode.rejected.mp3`.
    static func rejectedName(_ fileName: String) -> String {
        guard let dot = fileName.lastIndex(of: "."), dot != fileName.startIndex else { return fileName + ".rejected" }
        return fileName[..<dot] + ".rejected" + fileName[dot...]
    }

    // MARK: Stages

    /// Progress bookkeeping and token substitution across the stages of one run.
    struct StageRun {
        let plan: Plan
        let workDirectory: String
        let temporary: [String: String]
        let onEvent: @Sendable (ExecutionEvent) -> Void
        var gains: [String: String] = [:]
        /// What the meters of output stages read, by output name.
        var outputLoudness: [String: LoudnessReport] = [:]
        var completedWeight = 0.0
        let totalWeight: Double

        init(plan: Plan, workDirectory: String, temporary: [String: String], onEvent: @escaping @Sendable (ExecutionEvent) -> Void) {
            self.plan = plan
            self.workDirectory = workDirectory
            self.temporary = temporary
            self.onEvent = onEvent
            totalWeight = max(plan.stages.map(StageRun.weight).reduce(0, +), 0.000_001)
        }

        static func weight(_ stage: Stage) -> Double {
            max(stage.kind == .ffmpeg ? stage.expectedDuration : stage.expectedDuration * 0.05, 0.01)
        }

        /// The stage's arguments with tokens replaced and its filter graph moved into a file in the work
        /// folder (`-filter_complex_script`): a graph as an argument is capped by the kernel (128 KiB for
        /// one string, ARG_MAX for all), and large recipes pass both.
        func arguments(for stage: Stage) throws -> [String] {
            var arguments = substitute(stage.arguments)
            guard let index = arguments.firstIndex(of: "-filter_complex"), index + 1 < arguments.count else { return arguments }
            let safeName = String(stage.id.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
            let path = "\(workDirectory)/\(safeName).filtergraph"
            do {
                try Data(arguments[index + 1].utf8).write(to: URL(fileURLWithPath: path))
            } catch {
                throw MixdownError(
                    code: .workWriteFailed,
                    message: "stage '\(stage.id)': cannot write its filter graph: \(error.localizedDescription)"
                )
            }
            arguments.replaceSubrange(index...(index + 1), with: ["-filter_complex_script", path])
            return arguments
        }

        func substitute(_ arguments: [String]) -> [String] {
            arguments.map { argument in
                guard argument.contains("{{") else { return argument }
                var text = argument
                for (name, path) in temporary { text = text.replacingOccurrences(of: "{{output:\(name)}}", with: path) }
                for file in plan.workFiles { text = text.replacingOccurrences(of: "{{work:\(file)}}", with: "\(workDirectory)/\(file)") }
                for (step, chain) in gains { text = text.replacingOccurrences(of: "{{gain:\(step)}}", with: chain) }
                return text
            }
        }

        /// Reads ffmpeg's `-progress` lines (`out_time_us=`) as the stage's progress.
        func reporter(for stage: Stage) -> @Sendable (String) -> Void {
            let progress = progressReporter(for: stage)
            return { line in
                guard line.hasPrefix("out_time_us="), let micros = Double(line.dropFirst("out_time_us=".count)) else { return }
                progress(micros / 1_000_000)
            }
        }

        /// Announces the stage, then turns seconds of media done into progress events, one per
        /// percent at most (a measured stream reports every read).
        func progressReporter(for stage: Stage) -> @Sendable (Double) -> Void {
            let base = completedWeight, weight = StageRun.weight(stage), total = totalWeight
            let expected = max(stage.expectedDuration, 0.001)
            let onEvent = self.onEvent
            onEvent(ExecutionEvent(kind: .stageStarted, stage: stage.id, stageProgress: 0, progress: base / total))
            let lastPercent = Mutex(-1)
            return { seconds in
                let fraction = min(1, max(0, seconds / expected))
                let percent = Int(fraction * 100)
                guard
                    lastPercent.withLock({ last in
                        defer { last = max(last, percent) }
                        return percent > last
                    })
                else { return }
                onEvent(ExecutionEvent(kind: .progress, stage: stage.id, stageProgress: fraction, progress: (base + fraction * weight) / total))
            }
        }

        func processReporter(_ stage: Stage) -> @Sendable (Int32) -> Void {
            let onEvent = self.onEvent
            return { pid in onEvent(ExecutionEvent(kind: .processStarted, stage: stage.id, stageProgress: 0, progress: 0, message: String(pid))) }
        }

        mutating func finish(_ stage: Stage) {
            completedWeight += StageRun.weight(stage)
            onEvent(ExecutionEvent(kind: .stageFinished, stage: stage.id, stageProgress: 1, progress: min(1, completedWeight / totalWeight)))
        }
    }

    private func runFFmpeg(_ stage: Stage, run: inout StageRun) async throws {
        guard !stage.measures.isEmpty || !stage.meters.isEmpty else {
            let outcome = try await ChildProcess.run(
                tools.ffmpeg,
                ["-nostats", "-progress", "pipe:1", "-loglevel", "error"] + (try run.arguments(for: stage)),
                onStart: run.processReporter(stage),
                onLine: run.reporter(for: stage)
            )
            try Task.checkCancellation()
            guard outcome.succeeded else { throw failure(stage, outcome) }
            return
        }
        // A measuring stage writes its measured audio as float WAV on standard output; libebur128
        // measures it as it arrives, and how much has arrived is the stage's progress.
        let stream = WAVLoudnessStream(figures: .levels, measuring: !discardsMeasurements)
        let progress = run.progressReporter(for: stage)
        let outcome = try await ChildProcess.runReadingBytes(
            tools.ffmpeg,
            ["-nostats", "-loglevel", "error"] + (try run.arguments(for: stage)),
            onStart: run.processReporter(stage),
            consume: { bytes in
                stream.consume(bytes)
                progress(stream.seconds)
            }
        )
        try Task.checkCancellation()
        guard outcome.succeeded else { throw failure(stage, outcome) }
        try record(stream, of: stage, run: &run)
    }

    /// Hands what a stage's meter read to the later stages' gains and to its outputs' expectations.
    private func record(_ stream: WAVLoudnessStream, of stage: Stage, run: inout StageRun) throws {
        guard !discardsMeasurements else {
            for measurement in stage.measures {
                run.gains[measurement.step] = GainRule.gain(for: measurement.goal, measured: .atGoal(measurement.goal)).filters
            }
            return
        }
        let report: LoudnessReport
        do {
            report = try stream.report()
        } catch {
            // Only expectations read this meter: their outputs' files are decoded and measured instead,
            // which names what is wrong with them. A gain cannot do without its measurement.
            guard stage.measures.isEmpty else { throw error }
            return
        }
        for name in stage.meters { run.outputLoudness[name] = report }
        for measurement in stage.measures {
            let gain = GainRule.gain(for: measurement.goal, measured: report.gainInput)
            run.gains[measurement.step] = gain.filters
            run.onEvent(
                ExecutionEvent(
                    kind: .measured,
                    stage: stage.id,
                    stageProgress: 1,
                    progress: run.completedWeight / run.totalWeight,
                    message: String(
                        format: "%@: %.1f LUFS, true peak %.1f dBTP, sample peak %.1f dBFS; gain %.2f dB",
                        measurement.step,
                        report.integratedLufs,
                        report.truePeakDbtp,
                        report.samplePeakDbfs,
                        gain.decibels
                    )
                )
            )
        }
    }

    /// The stages joined by pipes starting at `first`, in stream order.
    static func pipeChain(from first: Stage, in plan: Plan) -> [Stage] {
        var chain = [first]
        while let next = chain.last?.pipesTo, let stage = plan.stages.first(where: { $0.id == next }) { chain.append(stage) }
        return chain
    }

    /// Runs a chain of stages at once, each one's standard output feeding the next one's standard input.
    private func runPiped(_ chain: [Stage], run: inout StageRun) async throws {
        var pipes: [(read: Int32, write: Int32)] = []
        for _ in chain.dropLast() { pipes.append(try ChildProcess.makePipe()) }
        let ffmpeg = tools.ffmpeg
        guard let last = chain.last else { return }
        for stage in chain.dropLast() {
            run.onEvent(ExecutionEvent(kind: .stageStarted, stage: stage.id, stageProgress: 0, progress: run.completedWeight / run.totalWeight))
            run.completedWeight += StageRun.weight(stage)
        }
        // The last process reports its progress on standard output, unless its meter has that: then how
        // much audio the meter has read is the progress. Either reporter announces the stage, so one is made.
        let meter = last.meters.isEmpty ? nil : WAVLoudnessStream(figures: .levels, measuring: !discardsMeasurements)
        let reporter: @Sendable (String) -> Void
        let meterProgress: @Sendable (Double) -> Void
        if meter == nil {
            (reporter, meterProgress) = (run.reporter(for: last), { _ in })
        } else {
            (reporter, meterProgress) = ({ _ in }, run.progressReporter(for: last))
        }
        let arguments = try chain.enumerated().map { index, stage in
            let progress = index == chain.count - 1 && meter == nil ? ["-progress", "pipe:1"] : []
            return ["-nostats"] + progress + ["-loglevel", "error"] + (try run.arguments(for: stage))
        }
        let outcomes = try await withThrowingTaskGroup(of: (Int, ChildProcess.Outcome).self) { group in
            for index in chain.indices {
                let input: ChildProcess.Stream = index == 0 ? .inherit : .descriptor(pipes[index - 1].read)
                let onStart = run.processReporter(chain[index])
                if index < chain.count - 1 {
                    let output = pipes[index].write
                    group.addTask {
                        (index, try await ChildProcess.run(ffmpeg, arguments[index], standardInput: input, standardOutput: output, onStart: onStart))
                    }
                } else if let meter {
                    group.addTask {
                        let outcome = try await ChildProcess.runReadingBytes(ffmpeg, arguments[index], standardInput: input, onStart: onStart) {
                            bytes in
                            meter.consume(bytes)
                            meterProgress(meter.seconds)
                        }
                        return (index, outcome)
                    }
                } else {
                    group.addTask {
                        (index, try await ChildProcess.run(ffmpeg, arguments[index], standardInput: input, onStart: onStart, onLine: reporter))
                    }
                }
            }
            var outcomes: [Int: ChildProcess.Outcome] = [:]
            for try await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
        try Task.checkCancellation()
        // The last failure downstream explains a broken pipe upstream, so report from the end.
        for index in chain.indices.reversed() where outcomes[index]?.succeeded != true {
            throw failure(chain[index], outcomes[index] ?? ChildProcess.Outcome(exitCode: nil, standardErrorTail: []))
        }
        if let meter { try record(meter, of: last, run: &run) }
        run.finish(last)
    }

    private func failure(_ stage: Stage, _ outcome: ChildProcess.Outcome) -> MixdownError {
        // ffmpeg may echo a filter graph or a path back; a line of it is enough to act on.
        let detail = outcome.standardErrorTail.suffix(6).map { $0.count > 300 ? String($0.prefix(300)) + "…" : $0 }.joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let status = outcome.exitCode.map { "exited with status \($0)" } ?? "was killed"
        return MixdownError(code: .ffmpegFailed, message: "stage '\(stage.id)': ffmpeg \(status)" + (detail.isEmpty ? "" : ":\n\(detail)"))
    }

    private func runAnalyze(_ stage: Stage, run: StageRun) async throws {
        let source = stage.inputPath ?? "\(run.workDirectory)/\(stage.source ?? "")"
        // A plan can be decoded from JSON; the parser's bounds are kept here so the curve stays bounded.
        let interval = stage.curveInterval.map { $0.isFinite ? min(max($0, 0.1), 60) : 1 }
        let report = try await LoudnessMeter(tools: tools).measure(source, curveInterval: interval)
        let facts = try await prober.facts(for: source)
        let document = AnalysisDocument(
            integratedLufs: report.integratedLufs,
            loudnessRangeLu: report.loudnessRangeLu,
            truePeakDbtp: report.truePeakDbtp,
            samplePeakDbfs: report.samplePeakDbfs,
            shortTermMaxLufs: report.shortTermMaxLufs,
            durationSeconds: facts.duration ?? 0,
            sampleRate: facts.sampleRate ?? 0,
            channels: facts.channels ?? 0,
            loudnessCurve: interval.map { LoudnessCurve(intervalSeconds: $0, lufs: report.curve ?? []) }
        )
        try writeJSON(document, to: run.temporary[stage.output ?? ""] ?? "")
    }

    private func runPeaks(_ stage: Stage, run: StageRun) async throws {
        let source = stage.inputPath ?? "\(run.workDirectory)/\(stage.source ?? "")"
        let facts = try await prober.facts(for: source)
        let rate = facts.sampleRate ?? 48_000
        let samples = ((facts.duration ?? 0) * Double(rate)).rounded(.up)
        // The prober only reports finite, non-negative durations; the cap keeps the conversion total.
        let total = samples.isFinite ? Int(min(max(samples, 1), Double(Int32.max) * 1024)) : 1
        // A plan can be decoded from JSON; the planner's bounds are kept here so the buckets always exist.
        let points = min(max(stage.points ?? 1000, 1), 100_000)
        let accumulator = PeakAccumulator(points: points, totalSamples: max(total, 1))
        let outcome = try await ChildProcess.runReadingBytes(
            tools.ffmpeg,
            ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-i", source, "-ac", "1", "-c:a", "pcm_f32le", "-f", "f32le", "pipe:1"],
            consume: { accumulator.consume($0) }
        )
        guard outcome.succeeded else { throw failure(stage, outcome) }
        let document = PeaksDocument(points: points, durationSeconds: facts.duration ?? 0, sampleRate: rate, peaks: accumulator.result())
        try writeJSON(document, to: run.temporary[stage.output ?? ""] ?? "")
    }

    private func writeJSON(_ value: some Encodable, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(value).write(to: URL(fileURLWithPath: path))
    }

    // MARK: Outputs

    /// The artifact, and the expectation it missed, if any.
    /// `measured`: the loudness the output's stage read on its way to the encoder, if it had a meter.
    private func describe(_ output: PlannedOutput, at path: String, measured: LoudnessReport?) async throws -> (OutputArtifact, MixdownError?) {
        let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        var duration: Double?
        var miss: MixdownError?
        if output.format != .json && output.format != .png {
            // ffmpeg succeeds on a graph that yields no frames (silence removed, then faded) and writes a bare
            // header, or nothing a prober can read: that is the recipe's outcome, named for the output, not a
            // probe error on a temporary path.
            let empty = MixdownError(
                code: .emptyOutput,
                message: "output '\(output.name)' came out empty: the steps removed all audio",
                location: output.location
            )
            let facts: MediaFacts
            do {
                facts = try await prober.facts(for: path)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw empty
            }
            // A WAV that is only a header has no duration at all: as empty as one that lasts 0 s.
            guard let length = facts.duration, length > 0 else { throw empty }
            duration = facts.duration
            if let expect = output.expect {
                do {
                    try await check(expect, output: output, path: path, facts: facts, measured: measured)
                } catch let error as MixdownError where error.code == .expectationFailed {
                    miss = error
                }
            }
        }
        let artifact = OutputArtifact(
            name: output.name,
            path: path,
            contentType: output.contentType,
            bytes: bytes,
            durationSeconds: duration,
            sha256: try Self.sha256(ofFile: path)
        )
        return (artifact, miss)
    }

    private func check(_ expect: Expectation, output: PlannedOutput, path: String, facts: MediaFacts, measured: LoudnessReport?) async throws {
        func miss(_ key: String, _ message: String) -> MixdownError {
            MixdownError(
                code: .expectationFailed,
                message: "output '\(output.name)': \(message)",
                location: expect.locations[key] ?? output.location
            )
        }
        func show(_ range: ClosedRange<Double>) -> String { "[\(range.lowerBound), \(range.upperBound)]" }
        if let range = expect.duration {
            let measured = facts.duration ?? 0
            guard range.contains(measured) else { throw miss("duration", String(format: "duration %.2f s is outside %@", measured, show(range))) }
        }
        if let rate = expect.sampleRate, facts.sampleRate != rate {
            throw miss("sample_rate", "sample rate \(facts.sampleRate ?? 0) Hz, expected \(rate)")
        }
        if let channels = expect.channels, facts.channels != channels {
            throw miss("channels", "\(facts.channels ?? 0) channels, expected \(channels)")
        }
        guard expect.needsLoudness, !discardsMeasurements else { return }
        // Measured on the way when the plan gave the output a meter; decoded again only when it could not.
        let report: LoudnessReport
        if let measured { report = measured } else { report = try await LoudnessMeter(tools: tools).measure(path) }
        if let range = expect.lufs, !range.contains(report.integratedLufs) {
            throw miss("lufs", String(format: "integrated loudness %.1f LUFS is outside %@", report.integratedLufs, show(range)))
        }
        if let ceiling = expect.truePeakMax, report.truePeakDbtp > ceiling {
            throw miss("true_peak_max", String(format: "true peak %.1f dBTP is above %.1f", report.truePeakDbtp, ceiling))
        }
        if let ceiling = expect.peakMax, report.samplePeakDbfs > ceiling {
            throw miss("peak_max", String(format: "sample peak %.1f dBFS is above %.1f", report.samplePeakDbfs, ceiling))
        }
    }

    /// Streams the file through SHA-256 in 1 MiB reads, so memory stays flat for long media.
    public static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MixdownError(code: .unreadable, message: "cannot read \(path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

extension LoudnessReport {
    /// What the planner's gain rule reads.
    var gainInput: GainRule.Measured {
        GainRule.Measured(integratedLufs: integratedLufs, truePeakDbtp: truePeakDbtp, samplePeakDbfs: samplePeakDbfs)
    }
}

/// `analyze`'s JSON document.
public struct AnalysisDocument: Sendable, Hashable, Codable {
    public var integratedLufs: Double
    public var loudnessRangeLu: Double
    public var truePeakDbtp: Double
    public var samplePeakDbfs: Double
    public var shortTermMaxLufs: Double
    public var durationSeconds: Double
    public var sampleRate: Int
    public var channels: Int
    /// With `curve:`, the short-term loudness at the end of every interval (-120 for silence).
    public var loudnessCurve: LoudnessCurve?
}

/// Short-term loudness (3 s window) sampled every `intervalSeconds`, first value at one interval.
public struct LoudnessCurve: Sendable, Hashable, Codable {
    public var intervalSeconds: Double
    public var lufs: [Double]
}

/// `peaks`'s JSON document: `points` pairs of [min, max] in -1...1.
public struct PeaksDocument: Sendable, Hashable, Codable {
    public var points: Int
    public var durationSeconds: Double
    public var sampleRate: Int
    public var peaks: [[Double]]
}
