import ArgumentParser
import CLLN
import CLLNDynamics
import CLLNSweep
import Foundation

@main
struct CLLNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clln",
        abstract: "Contrastive local learning networks: describe, compile to SPICE, solve, train.",
        subcommands: [
            CompileCommand.self, SolveCommand.self, TrainCommand.self, ValidateCommand.self, CheckCommand.self, ExperimentCommand.self,
            BenchCommand.self, DynamicsCommand.self, SweepCommand.self, BaselineCommand.self, CompareCommand.self, CosimCommand.self,
            RunWorkerCommand.self,
        ]
    )

    @Flag(name: .long, help: "Print clln's version, the ngspice library it would load, and that library's linear solver.")
    var version = false

    func run() throws {
        guard version else { throw CleanExit.helpRequest(self) }
        printOut(VersionReport.current().text)
    }
}

/// What `clln --version` prints: this package's version and the SPICE engine it would use.
struct VersionReport {
    var lines: [String]
    var text: String { lines.joined(separator: "\n") }

    static func current() -> VersionReport {
        var lines = ["clln \(CLLNVersion.current)"]
        do {
            let engine = try NgspiceEngine.shared()
            lines.append("ngspice \(engine.version): \(engine.libraryPath)")
            lines.append("linear solver: \(engine.linearSolver.rawValue)"
                + (engine.linearSolver == .klu ? "" : " (this ngspice has no KLU; large networks solve slowly: make deps installs a KLU-capable ngspice where the distribution has one)"))
        } catch {
            lines.append("ngspice: not available (\(error))")
        }
        return VersionReport(lines: lines)
    }
}

/// Exit codes: 64 usage (ArgumentParser), 65 bad input data (and ngspice's set-up or convergence
/// failures of a single solve), 70 a simulation failure (e.g. failed trials of a run).
enum Exit {
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(isInputError(error) ? 65 : 70)
        }
    }

    private static func isInputError(_ error: Error) -> Bool {
        error is InputError || (error as? SweepError)?.isInputError == true || (error as? SpiceError)?.isInputError == true
            || (error as? DynamicsError)?.isInputError == true
    }
}

/// Refuses a flag's value that parses but makes no sense (negative, zero, NaN, ∞, out of range):
/// prints `message` (which names the flag and the fix) and exits 65 (bad input), before any work.
/// A malformed command line or a combination of flags stays a `ValidationError` (exit 64).
func badValue(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode(65)
}

/// Problems with the CLI's auxiliary input files.
enum InputFileError: InputError {
    case unreadable(String, String)
    case notNumbers(String)
    case notGates(String)
    case unknownExperiment(String)

    var description: String {
        switch self {
        case let .unreadable(path, why): "cannot read \(path): \(why); check the path and that the file is readable"
        case let .notNumbers(path): "\(path) must hold a JSON array of numbers, e.g. [1.5, 2.0]"
        case let .unknownExperiment(name):
            "\"\(name)\" is neither a preset (Q-learning: \((ExperimentPresets.allNames + ["cartpole", "mountaincar"]).joined(separator: ", ")); supervised tasks: "
                + "\(SupervisedTasks.names.joined(separator: ", "))) nor an existing config file; give one of them or a file's path"
        case let .notGates(path):
            "\(path) must hold gates: a JSON array of numbers in edge order, an array of such arrays, "
                + "or a trial result of clln train (trials/trial-K.json, its final_gates)"
        }
    }
}

/// The bytes of an input file named on the command line; an unreadable file is an
/// ``InputFileError/unreadable(_:_:)``.
func readInputFile(_ path: String) throws -> Data {
    do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw InputFileError.unreadable(path, error.localizedDescription)
    }
}

/// Reads a JSON array of numbers.
func readNumbers(_ path: String) throws -> [Double] {
    let data = try readInputFile(path)
    guard let numbers = try? JSONDecoder().decode([Double].self, from: data) else {
        throw InputFileError.notNumbers(path)
    }
    return numbers
}

/// Gate vectors from a JSON file: an array of numbers (one vector), an array of arrays, or a
/// trial result of `clln train` (its `final_gates`).
func readGateVectors(_ path: String) throws -> [[Double]] {
    let data = try readInputFile(path)
    let decoder = JSONDecoder()
    if let one = try? decoder.decode([Double].self, from: data) { return [one] }
    if let many = try? decoder.decode([[Double]].self, from: data) { return many }
    struct TrialResultGates: Decodable { var final_gates: [Double] }
    if let trial = try? decoder.decode(TrialResultGates.self, from: data) { return [trial.final_gates] }
    throw InputFileError.notGates(path)
}

/// Writes `text` to stdout.
func printOut(_ text: String) {
    FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}
