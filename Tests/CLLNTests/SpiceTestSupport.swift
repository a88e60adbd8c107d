import CLLN
import Foundation

/// Engines on private copies of the ngspice library, so that tests asserting call traces or
/// killing an engine never disturb solvers of other suites (which use the shared engine).
enum SpiceTestEngines {
    /// An isolated engine for the call-trace tests (created once per test process).
    static let tracing = Result { try NgspiceEngine.isolatedCopy() }
}

/// Runs the `ngspice` program in batch mode on a netlist (which must end in `.op`) and returns
/// its operating point. The printed table has 7 significant digits, so the same operating point
/// is read from the raw file ngspice writes (`-r`, ASCII, 16 digits).
enum NgspiceBatch {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func operatingPoint(_ netlist: Netlist) throws -> [Double] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clln-spice-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("circuit.cir")
        let raw = directory.appendingPathComponent("circuit.raw")
        try netlist.text.write(to: input, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ngspice", "-b", "-r", raw.path, input.path]
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(["SPICE_ASCIIRAWFILE": "1"]) { $1 }
        let log = Pipe()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let output = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let text = try? String(contentsOf: raw, encoding: .utf8) else {
            throw Failure(description: "ngspice -b failed (status \(process.terminationStatus)):\n\(output)")
        }
        return try voltages(rawFile: text, nodeCount: netlist.nodeNames.count)
    }

    /// Node voltages `v(n<i>)` of the single point of an ASCII raw file.
    private static func voltages(rawFile text: String, nodeCount: Int) throws -> [Double] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let variablesAt = lines.firstIndex(of: "Variables:"), let valuesAt = lines.firstIndex(of: "Values:") else {
            throw Failure(description: "not an ASCII raw file:\n\(text.prefix(500))")
        }
        let names = lines[(variablesAt + 1)..<valuesAt].map { $0.split(whereSeparator: \.isWhitespace)[1] }
        let values = lines[(valuesAt + 1)...].joined(separator: " ").split(whereSeparator: \.isWhitespace).dropFirst()
        guard values.count == names.count else { throw Failure(description: "raw file: \(names.count) names, \(values.count) values") }
        var voltages = [Double](repeating: .nan, count: nodeCount)
        for (name, value) in zip(names, values) where name.hasPrefix("v(n") {
            voltages[Int(name.dropFirst(3).dropLast())!] = Double(value)!
        }
        return voltages
    }
}
