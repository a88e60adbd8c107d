/// Logic gates in Michaelis–Menten kinetics (the paper's §III.4, Fig. 8): one network computes
/// AND, OR, NAND and NOR of two chemostatted inputs at four output species.
extension DynamicsTask {
    /// Gate names and truth tables, rows in the order (0,0), (0,1), (1,0), (1,1).
    static let logicGates: [(name: String, table: [Bool])] = [
        ("AND", [false, false, false, true]), ("OR", [false, true, true, true]),
        ("NAND", [true, true, true, false]), ("NOR", [true, false, false, false]),
    ]

    /// - Parameter hiddenSpecies: extra species that are neither inputs nor outputs. The default
    ///   has none: in our runs hidden species slowed training without lowering the final cost,
    ///   since the output species themselves can act as intermediates (a NAND species inhibited
    ///   by the AND species, …).
    public static func michaelisMentenLogic(seed: UInt64, hiddenSpecies: Int = 0) -> DynamicsTask {
        var generator = SplitMix64(seed: seed)
        let (reference, inputA, inputB) = (0, 1, 2)
        let outputs = Array(3..<(3 + logicGates.count))
        let count = 3 + outputs.count + hiddenSpecies
        let system = MichaelisMentenNetwork(speciesCount: count, decay: 1)
        let (high, low) = (1.0, 0.0)
        let inputRows = [(false, false), (false, true), (true, false), (true, true)]
        let episodes = inputRows.enumerated().map { row, inputs in
            Episode(
                name: "A=\(inputs.0 ? 1 : 0) B=\(inputs.1 ? 1 : 0)", initialState: [Double](repeating: 0, count: count),
                duration: 10,
                prescribed: [
                    NodeSignal(node: reference, signal: .constant(1)),
                    NodeSignal(node: inputA, signal: .constant(inputs.0 ? high : low)),
                    NodeSignal(node: inputB, signal: .constant(inputs.1 ? high : low)),
                ],
                targets: zip(outputs, logicGates).map { node, gate in
                    Target(node: node, signal: .constant(gate.table[row] ? high : low))
                })
        }
        // Reactions start (almost) off; every species starts as an inhibitor of every channel.
        let channelCount = system.channels.count
        let rates = (0..<channelCount).map { _ in max(0, 0.05 * generator.normal()) }
        let michaelis = (0..<channelCount).map { _ in generator.uniform(0.5, 1.5) }
        let inhibition = (0..<channelCount).map { _ in generator.uniform(0, 4) }
        var roles = [reference: "ref", inputA: "A", inputB: "B"]
        for (node, gate) in zip(outputs, logicGates) { roles[node] = gate.name }
        return DynamicsTask(
            name: "mm-logic",
            summary: "Michaelis–Menten network with three-body inhibition computes AND, OR, NAND, NOR",
            system: system, seed: seed, initialParameters: rates + michaelis + inhibition, episodes: episodes,
            timeStep: 0.1, nudge: 0.2, learningRate: 0.3, maximumStep: 0.05, defaultIterations: 400,
            nodeNames: roleNames(count: count, roles: roles)
        ) { task, parameters in
            var metrics: [String: Double] = [:]
            var correct = 0
            for episode in episodes {
                let run = try task.solver.free(episode, parameters: parameters).trajectory
                for (target, gate) in zip(episode.targets, logicGates) {
                    let value = run[run.count - 1, target.node]
                    metrics["\(gate.name) \(episode.name)"] = value
                    correct += (value > 0.5) == (target.signal.value(at: 0) > 0.5) ? 1 : 0
                }
            }
            metrics["truth_table_accuracy"] = Double(correct) / Double(episodes.count * logicGates.count)
            return metrics
        }
    }
}
