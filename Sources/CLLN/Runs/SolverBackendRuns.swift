import CLLNRuns

/// The solver backend as the run layer's backend: idealized trials share a process on threads;
/// SPICE trials need a process each (ngspice is one simulator per process).
extension SolverBackend: RunBackend {
    public var name: String { kind.rawValue }
    public var runsOnThreads: Bool { kind == .ideal }
}

/// This library's run kinds, for ``RunWorker/main(order:trial:kinds:)`` in worker processes.
public enum CLLNRunKinds {
    public static let all: [any Trial.Type] = [
        QLearningTrial.self, SupervisedTrial.self, StressTrial.self, DamageTrial.self, CosimTrial.self, ContinuousQLearningTrial.self,
    ]
}
