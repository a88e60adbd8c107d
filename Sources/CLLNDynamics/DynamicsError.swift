/// Everything that can go wrong in this module, each case naming the problem and the fix.
public enum DynamicsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What to change when an integration blows up.
    public enum Remedy: Sendable, Equatable {
        /// The fixed step is too coarse for the current couplings.
        case step
        /// The adaptive integrator could not make progress.
        case stiffness
    }

    case unknownTask(String)
    case integrationDiverged(system: String, time: Double, hint: Remedy)
    case trainingDiverged(task: String, iteration: Int, underlying: String)
    case invalidArgument(String)

    /// Whether this is bad input (an unknown task, an invalid argument: exit 65) rather than a
    /// failure of the integration or training (70).
    public var isInputError: Bool {
        switch self {
        case .unknownTask, .invalidArgument: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .unknownTask(let name):
            return "unknown dynamics task '\(name)'. Valid tasks: \(DynamicsTask.names.joined(separator: ", ")) "
                + "(run `clln dynamics list` for descriptions)."
        case .integrationDiverged(let system, let time, let hint):
            let fix: String
            switch hint {
            case .step: fix = "use a smaller time step, or a smaller nudge η / learning rate so the couplings stay moderate"
            case .stiffness: fix = "the system is stiff or unstable here; loosen the tolerances or check the parameters"
            }
            return "integration of the \(system) produced a non-finite state at t = \(time): \(fix)."
        case .trainingDiverged(let task, let iteration, let underlying):
            return "training '\(task)' diverged at iteration \(iteration) (\(underlying)); "
                + "retry with a smaller --eta or learning rate, or fewer --iterations."
        case .invalidArgument(let message):
            return message
        }
    }
}
