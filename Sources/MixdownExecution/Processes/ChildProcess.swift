internal import Foundation
internal import Subprocess
internal import SystemPackage

/// Runs external programs in their own process group, so cancelling kills ffmpeg and anything it started.
///
/// On Linux each child also gets a parent-death signal (SIGKILL), so it dies the moment this process
/// dies, even by SIGKILL, instead of running on until a reaper notices. swift-subprocess has no hook
/// that runs in the child before `exec` on Linux, so the program is started through util-linux's
/// `setpriv --pdeathsig KILL`, which sets the signal and then execs it (same pid, same process group).
/// The kernel ties that signal to the *thread* that forked; swift-subprocess forks every child on one
/// dedicated thread that lives as long as the process, so it fires only when the process ends.
public enum ChildProcess {
    /// What a finished process left behind.
    public struct Outcome: Sendable {
        public var exitCode: Int32?
        /// The last lines of standard error, for error messages and measurements.
        public var standardErrorTail: [String]
        public var succeeded: Bool { exitCode == 0 }
    }

    /// Where standard input comes from and standard output goes when not read line by line.
    public enum Stream: Sendable {
        case inherit
        case descriptor(Int32)
    }

    /// `setpriv` where it exists (util-linux, on every Debian); elsewhere children start directly.
    static let parentDeathHelper: String? = {
        #if os(Linux)
            for candidate in ["/usr/bin/setpriv", "/bin/setpriv"] where FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        #endif
        return nil
    }()

    /// The program and arguments to start so that `executable` dies with this process.
    static func launch(_ executable: String, _ arguments: [String]) -> (executable: String, arguments: [String]) {
        // A missing program is started directly, so the spawn error names it as before.
        guard let helper = parentDeathHelper, FileManager.default.isExecutableFile(atPath: executable) else { return (executable, arguments) }
        return (helper, ["--pdeathsig", "KILL", "--", executable] + arguments)
    }

    static func platformOptions() -> PlatformOptions {
        var options = PlatformOptions()
        // A new process group whose id is the child's pid; teardown signals the whole group.
        options.processGroupID = 0
        options.teardownSequence = [
            .send(signal: .terminate, toProcessGroup: true, allowedDurationToNextStep: .milliseconds(300))
        ]
        return options
    }

    /// Runs a program, handing each standard-output line to `onLine` and keeping `tailLines` of standard error.
    /// Cancelling the calling task terminates the process group.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        standardInput: Stream = .inherit,
        tailLines: Int = 60,
        keepStandardErrorAfter marker: String? = nil,
        onStart: @escaping @Sendable (Int32) -> Void = { _ in },
        onLine: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> Outcome {
        switch standardInput {
        case .inherit:
            return try await spawn(executable, arguments, input: .none, output: .sequence) { execution in
                onStart(execution.processIdentifier.value)
                return try await drain(execution, tailLines: tailLines, marker: marker, onLine: onLine)
            }
        case .descriptor(let descriptor):
            return try await spawn(executable, arguments, input: inputDescriptor(descriptor), output: .sequence) { execution in
                onStart(execution.processIdentifier.value)
                return try await drain(execution, tailLines: tailLines, marker: marker, onLine: onLine)
            }
        }
    }

    /// Runs a program whose standard output goes to `descriptor` (a pipe to the next process), reading
    /// standard input from `standardInput`.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        standardInput: Stream = .inherit,
        standardOutput descriptor: Int32,
        tailLines: Int = 60,
        onStart: @escaping @Sendable (Int32) -> Void = { _ in }
    ) async throws -> Outcome {
        let output = FileDescriptorOutput.fileDescriptor(FileDescriptor(rawValue: descriptor), closeAfterSpawningProcess: true)
        switch standardInput {
        case .inherit:
            return try await spawn(executable, arguments, input: .none, output: output) { execution in
                onStart(execution.processIdentifier.value)
                return try await collectTail(execution.standardError, lines: tailLines, marker: nil)
            }
        case .descriptor(let input):
            return try await spawn(executable, arguments, input: inputDescriptor(input), output: output) { execution in
                onStart(execution.processIdentifier.value)
                return try await collectTail(execution.standardError, lines: tailLines, marker: nil)
            }
        }
    }

    private static func inputDescriptor(_ descriptor: Int32) -> FileDescriptorInput {
        .fileDescriptor(FileDescriptor(rawValue: descriptor), closeAfterSpawningProcess: true)
    }

    /// Starts the program in its own process group with standard error as a sequence; `body` reads it.
    private static func spawn<Input: InputProtocol, Output: OutputProtocol>(
        _ executable: String,
        _ arguments: [String],
        input: Input,
        output: Output,
        body: (Execution<Input, Output, SequenceOutput>) async throws -> [String]
    ) async throws -> Outcome {
        let command = launch(executable, arguments)
        let result = try await Subprocess.run(
            .path(FilePath(command.executable)),
            arguments: Arguments(command.arguments),
            platformOptions: platformOptions(),
            input: input,
            output: output,
            error: .sequence
        ) { execution in try await body(execution) }
        return Outcome(exitCode: exitCode(result.terminationStatus), standardErrorTail: result.closureResult)
    }

    /// Runs a program and hands its standard output to `consume` as raw byte chunks.
    public static func runReadingBytes(
        _ executable: String,
        _ arguments: [String],
        standardInput: Stream = .inherit,
        onStart: @escaping @Sendable (Int32) -> Void = { _ in },
        consume: @escaping @Sendable (UnsafeRawBufferPointer) -> Void
    ) async throws -> Outcome {
        switch standardInput {
        case .inherit: try await readingBytes(executable, arguments, input: NoInput.none, onStart: onStart, consume: consume)
        case .descriptor(let descriptor):
            try await readingBytes(executable, arguments, input: inputDescriptor(descriptor), onStart: onStart, consume: consume)
        }
    }

    private static func readingBytes<Input: InputProtocol>(
        _ executable: String,
        _ arguments: [String],
        input: Input,
        onStart: @escaping @Sendable (Int32) -> Void,
        consume: @escaping @Sendable (UnsafeRawBufferPointer) -> Void
    ) async throws -> Outcome {
        let command = launch(executable, arguments)
        let result = try await Subprocess.run(
            .path(FilePath(command.executable)),
            arguments: Arguments(command.arguments),
            platformOptions: platformOptions(),
            input: input,
            output: .sequence,
            error: .sequence
        ) { execution in
            onStart(execution.processIdentifier.value)
            return try await withThrowingTaskGroup(of: [String].self) { group in
                group.addTask {
                    for try await buffer in execution.standardOutput { buffer.withUnsafeBytes(consume) }
                    return []
                }
                group.addTask { try await collectTail(execution.standardError, lines: 40, marker: nil) }
                var tail: [String] = []
                for try await lines in group { tail += lines }
                return tail
            }
        }
        return Outcome(exitCode: exitCode(result.terminationStatus), standardErrorTail: result.closureResult)
    }

    private static func drain<Input: InputProtocol>(
        _ execution: Execution<Input, SequenceOutput, SequenceOutput>,
        tailLines: Int,
        marker: String?,
        onLine: @escaping @Sendable (String) -> Void
    ) async throws -> [String] {
        try await withThrowingTaskGroup(of: [String].self) { group in
            group.addTask {
                for try await line in execution.standardOutput.strings() { onLine(line) }
                return []
            }
            group.addTask { try await collectTail(execution.standardError, lines: tailLines, marker: marker) }
            var tail: [String] = []
            for try await lines in group { tail += lines }
            return tail
        }
    }

    /// The last `lines` lines, plus, when `marker` is given, every line from the last one containing it
    /// (ebur128's summary), so a measurement survives however much was logged before it.
    private static func collectTail(_ sequence: SubprocessOutputSequence, lines: Int, marker: String?) async throws -> [String] {
        var tail: [String] = []
        var marked: [String] = []
        var inMarked = false
        for try await line in sequence.strings() {
            if let marker, line.contains(marker) {
                marked = []
                inMarked = true
            }
            if inMarked && marked.count < 200 { marked.append(line) }
            tail.append(line)
            if tail.count > lines { tail.removeFirst() }
        }
        return marker == nil || marked.isEmpty ? tail : marked + ["--"] + tail
    }

    private static func exitCode(_ status: TerminationStatus) -> Int32? {
        if case .exited(let code) = status { return code }
        return nil
    }

    /// A pipe: (read end, write end).
    public static func makePipe() throws -> (read: Int32, write: Int32) {
        let pipe = try FileDescriptor.pipe()
        return (pipe.readEnd.rawValue, pipe.writeEnd.rawValue)
    }
}
