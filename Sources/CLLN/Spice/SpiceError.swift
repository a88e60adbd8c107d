/// Failures of the ngspice engine and of the transistor-level solver. Each message names the fix.
///
/// `log` values are ngspice's own output lines (as received through its SendChar callback, each
/// prefixed `stdout` or `stderr`) printed while the failing call ran.
public enum SpiceError: Error, CustomStringConvertible {
    /// ngspice's shared library could not be loaded (not installed, or not ngspice).
    case libraryMissing(reason: String)
    /// ngspice did not accept the netlist; `line` is the netlist line it reported.
    case netlistRejected(line: String, log: [String])
    /// `op` produced no operating point (no data point arrived).
    case noConvergence(log: [String])
    /// A `dc` sweep (a batch of solves) ended after `completed` of its `of` points: point
    /// `completed` found no operating point.
    case sweepStopped(completed: Int, of: Int, log: [String])
    /// A transient analysis ended at `time` seconds of the `of` it was asked for (ngspice gave
    /// up, e.g. "timestep too small", or a value went non-finite).
    case transientStopped(at: Double, of: Double, log: [String])
    /// ngspice returned a non-finite voltage for `node` (its SPICE name, `n<i>`).
    case nonFinite(node: String)
    /// The operating point lacked the vectors of some nodes (SPICE names).
    case incompleteResults(missing: [String], log: [String])
    /// ngspice called its ControlledExit callback after `quit`, or after a fatal error when the
    /// library has no `ngSpice_Reset` (ngspice < 44): it cannot recover in this process, and every
    /// later call fails with this error.
    case engineUnrecoverable(log: [String])
    /// ngspice called its ControlledExit callback after a fatal error during this call (e.g. a
    /// netlist's `.include` file is missing); the engine reset the library
    /// (`ngSpice_Reset`) and initialized it again. This call's result is lost; later solves
    /// reload their circuits and work.
    case engineReset(log: [String])

    /// Whether this is the user's set-up or input (exit 65): a missing library, a netlist ngspice
    /// rejects (a bad model card), a circuit that does not converge; not a failure of a run (70).
    public var isInputError: Bool {
        switch self {
        case .libraryMissing, .netlistRejected, .noConvergence: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case let .libraryMissing(reason):
            "ngspice's shared library is not available (\(reason)); install it with "
                + "`apt-get install -y libngspice0-dev` (Debian/Ubuntu) or `brew install libngspice` (macOS)"
        case let .netlistRejected(line, log):
            "ngspice rejected the netlist at \"\(line)\"; check the model card and the topology\n"
                + Self.tail(log)
        case let .noConvergence(log):
            "ngspice found no operating point; check for a short between held nodes or a model card "
                + "that makes a node float\n" + Self.tail(log)
        case let .sweepStopped(completed, count, log):
            "ngspice's dc sweep of a batch stopped after \(completed) of \(count) points: point \(completed) has no operating "
                + "point; check for a short between held nodes or a model card that makes a node float\n" + Self.tail(log)
        case let .transientStopped(time, total, log):
            "ngspice's transient analysis stopped at \(time) s of \(total) s; check the circuit for a node without a DC path "
                + "or a value that makes a device blow up, or shorten the time step (a run resumes from its last checkpoint)\n"
                + Self.tail(log)
        case let .nonFinite(node):
            "ngspice returned a non-finite voltage at node \(node); check the model card's parameters"
        case let .incompleteResults(missing, log):
            "ngspice's operating point has no vector for \(missing.joined(separator: ", ")); "
                + "every node must be connected to an element\n" + Self.tail(log)
        case let .engineUnrecoverable(log):
            "ngspice exited (ControlledExit) and cannot be used again in this process; start a new "
                + "process (a training run resumes from its checkpoint)\n" + Self.tail(log)
        case let .engineReset(log):
            "ngspice exited (ControlledExit) during this call and was reset (ngSpice_Reset); retry the solve "
                + "(its circuits reload), or check the netlist and command that made ngspice exit\n" + Self.tail(log)
        }
    }

    private static func tail(_ log: [String]) -> String {
        let lines = log.suffix(12)
        return lines.isEmpty ? "(ngspice printed nothing)" : "ngspice log:\n  " + lines.joined(separator: "\n  ")
    }
}
