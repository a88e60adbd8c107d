import Foundation

/// The supervised tasks the autonomous circuit compiles.
public enum AutonomousTask: String, Sendable, Codable, CaseIterable {
    case xor
    case regression
}

/// Values of the autonomous learning circuit (``AutonomousCircuit``), each a `.param` of the
/// compiled netlist except the seed and the epoch count's role in the PWL sources.
public struct AutonomousSettings: Sendable, Hashable, Codable {
    /// Passes over the training set (each example shown once per pass, in the task's order).
    public var epochs: Int
    /// Learning rate α: over one example's `t_learn` a gate moves by (α/η)·(ΔV_F² − ΔV_C²).
    public var alpha: Double
    /// Nudge η ∈ (0, 1]: the clamped copy's outputs sit at (1 − η)·O_free + η·T.
    public var eta: Double
    /// Per-example clip of a gate's move (V per `t_learn`): the learning current is limited to
    /// ±C_g·clip/t_learn.
    public var updateClip: Double
    /// C_g: farads per gate capacitor.
    public var gateCapacitance: Double
    /// t_settle: seconds over which inputs and labels ramp from one example to the next.
    public var settleTime: Double
    /// t_learn: seconds each example is held after its ramp.
    public var learnTime: Double
    /// Initial gates are drawn as `clln train <task> --seed <seed>` draws trial 0's.
    public var seed: UInt64

    enum CodingKeys: String, CodingKey {
        case epochs, alpha, eta, updateClip = "clip", gateCapacitance = "gate_capacitance", settleTime = "t_settle"
        case learnTime = "t_learn", seed
    }

    public init(
        epochs: Int, alpha: Double, eta: Double, updateClip: Double, gateCapacitance: Double = 1e-9, settleTime: Double = 1e-7,
        learnTime: Double = 1e-6, seed: UInt64 = 0
    ) {
        self.epochs = epochs
        self.alpha = alpha
        self.eta = eta
        self.updateClip = updateClip
        self.gateCapacitance = gateCapacitance
        self.settleTime = settleTime
        self.learnTime = learnTime
        self.seed = seed
    }

    /// The defaults of `task`: XOR with `clln train xor`'s rule (α 10, η 0.5, clip 0.1) for 200
    /// epochs (it is learned by ~50); regression with plain coupled learning instead of the
    /// trainer's Adam scaling, which a circuit does not have (α 5, η 1, clip 0.01 per example,
    /// the trainer's 2,000 epochs).
    public static func defaults(for task: AutonomousTask) -> AutonomousSettings {
        switch task {
        case .xor: AutonomousSettings(epochs: 200, alpha: 10, eta: 0.5, updateClip: 0.1)
        case .regression: AutonomousSettings(epochs: 2000, alpha: 5, eta: 1, updateClip: 0.01)
        }
    }

    /// Seconds per example: t_settle + t_learn.
    public var exampleTime: Double { settleTime + learnTime }

    /// Checks every value; the first bad one is an ``AutonomousCircuitError/badValue(name:value:requirement:example:)``.
    public func validate() throws {
        guard epochs >= 1, epochs <= InputLimits.maximumEpochs else {
            throw AutonomousCircuitError.badValue(
                name: "epochs", value: Double(epochs), requirement: "a whole number in 1…\(InputLimits.maximumEpochs)", example: "1000")
        }
        let checks: [(String, Double, Bool, String)] = [
            ("alpha", alpha, alpha > 0, "10"), ("eta", eta, eta > 0 && eta <= 1, "0.5"), ("clip", updateClip, updateClip > 0, "0.1"),
            ("gate_capacitance", gateCapacitance, gateCapacitance > 0, "1e-9"), ("t_settle", settleTime, settleTime > 0, "1e-7"),
            ("t_learn", learnTime, learnTime > 0, "1e-6"),
        ]
        for (name, value, ok, example) in checks where !(value.isFinite && ok) {
            throw AutonomousCircuitError.badValue(
                name: name, value: value, requirement: name == "eta" ? "a number in (0, 1]" : "a finite number > 0", example: example)
        }
    }
}

/// Problems with an autonomous circuit's description: bad user input.
public enum AutonomousCircuitError: InputError, Equatable {
    case unknownTask(String)
    case badValue(name: String, value: Double, requirement: String, example: String)
    case unsupported(String)

    public var description: String {
        switch self {
        case let .unknownTask(name):
            "the autonomous circuit has no task \"\(name)\"; give one of \(AutonomousTask.allCases.map(\.rawValue).joined(separator: ", "))"
        case let .badValue(name, value, requirement, example):
            "\(name) must be \(requirement) (got \(value)); e.g. \(name) \(example)"
        case let .unsupported(why): "the autonomous circuit cannot express this: \(why)"
        }
    }
}

/// The autonomous twin-network learning circuit: supervised coupled learning inside one
/// transient analysis, with no program in the loop (issue 16).
///
/// Two copies of the network — *free* (nodes `f<i>`) and *clamped* (`c<i>`) — share every
/// edge's gate node `g<e>`, a capacitor C_g whose voltage is the edge's learnable gate. Held input
/// node `i` is one node `in<i>`, driven by PWL sources that cycle through the training set (and,
/// after training, the test set); it feeds both copies. Each clamped output is a behavioral source
/// at (1 − η)·O_free + η·T (T the label, or O itself where a shifted hinge is met), computed from
/// the free copy's outputs and the label PWL. Each edge's learning cell
/// (`clln_learning_cell`) charges its gate with
///
///     I_e = C_g/t_learn · clip((α/η)·(ΔV_F,e² − ΔV_C,e²), ±clip) · v(en),
///
/// zero where it would push the gate beyond [GMN, GMX]. Both copies run all the time (no free
/// and clamped phases: Dillavou-style twin networks); the enable `en` is 1 while a training
/// example is held and 0 on the ramps of t_settle between examples (its last 5 % excepted) and
/// after training, so an example held for t_learn moves each gate by the quasi-static rule's
/// batch-of-one update, integrated along the gates' own motion. The network itself has no node
/// capacitances: it is at its operating point at every time point, and only the gates carry state.
public struct AutonomousCircuit: Sendable {
    public var task: AutonomousTask
    /// The supervised task's network, data, encoding and loss (``SupervisedTasks``).
    public var supervised: SupervisedTask
    public var settings: AutonomousSettings
    public var model: ModelCard
    /// The gates at time 0 (`.ic`), as `clln train <task> --seed <seed>` draws trial 0's.
    public var initialGates: [Double]

    /// Validates `settings` and the card and builds the circuit description.
    public init(task: AutonomousTask, settings: AutonomousSettings, model: ModelCard) throws {
        try settings.validate()
        guard let supervised = try SupervisedTasks.named(task.rawValue) else { throw AutonomousCircuitError.unknownTask(task.rawValue) }
        guard supervised.options.loss != .multiclassHinge, supervised.options.overclamp == nil else {
            throw AutonomousCircuitError.unsupported("\(task.rawValue) uses a loss the clamp sources do not implement")
        }
        guard supervised.topology.edges.allSatisfy({ $0.element.model.netlistForm == .mosfet }) else {
            throw AutonomousCircuitError.unsupported("every edge must be a transistor")
        }
        self.task = task
        self.supervised = supervised
        self.settings = settings
        self.model = model
        var rng = SeededGenerator(seed: settings.seed, stream: 0)
        initialGates = supervised.initialGates.draw(for: supervised.topology, rng: &rng)
    }

    /// A task by name (``AutonomousCircuitError/unknownTask(_:)`` otherwise).
    public static func task(named name: String) throws -> AutonomousTask {
        guard let task = AutonomousTask(rawValue: name) else { throw AutonomousCircuitError.unknownTask(name) }
        return task
    }

    /// Seconds of training: epochs × training examples × (t_settle + t_learn).
    public var trainingTime: Double { Double(settings.epochs * supervised.train.count) * settings.exampleTime }
    /// End of the analysis: training, then every test example once.
    public var stopTime: Double { trainingTime + Double(supervised.test.count) * settings.exampleTime }
    /// When test example k is read: the end of its presentation.
    public func testTime(_ k: Int) -> Double { trainingTime + Double(k + 1) * settings.exampleTime }
    /// When training example k of epoch `epoch` (from 0) ends.
    public func trainingTime(epoch: Int, example k: Int) -> Double {
        Double(epoch * supervised.train.count + k + 1) * settings.exampleTime
    }

    /// The vectors the circuit saves (`.save`): the gates and the free copy's logical outputs
    /// (single-ended: its output nodes), lower case as ngspice names them.
    public var savedVectors: [String] { gateNodes + logicalOutputVectors }

    /// Gate node names, in edge order.
    public var gateNodes: [String] { supervised.topology.edges.indices.map { "g\($0)" } }

    /// The vector holding logical output k of the free copy: the output node (single-ended) or
    /// the node `o<k>` of the difference source (differential).
    public var logicalOutputVectors: [String] {
        differential ? (0..<logicalOutputCount).map { "o\($0)" } : outputNodes.map(\.free)
    }

    var differential: Bool { supervised.options.differential }
    var logicalOutputCount: Int { differential ? supervised.topology.outputs.count / 2 : supervised.topology.outputs.count }
    var outputNodes: [(free: String, clamped: String)] { supervised.topology.outputs.map { (node("f", $0), node("c", $0)) } }

    /// Node `i` of a copy (`f` or `c`); held inputs are shared: `in<i>`.
    func node(_ copy: String, _ i: Int) -> String { supervised.topology.inputs.contains(i) ? "in\(i)" : "\(copy)\(i)" }

    /// The netlist; `control` appends the `.control` block that runs the analysis and prints what
    /// was learned under `ngspice -b` (the in-process runner loads it without).
    public func netlist(control: Bool = true) -> Netlist {
        let t = supervised.topology
        let s = settings
        let f = SpiceNumber.format
        let title = "clln autonomous learning circuit: \(task.rawValue)"
        let trainCount = supervised.train.count, testCount = supervised.test.count
        var lines = [
            "* \(title)",
            "* Supervised coupled learning inside ONE transient analysis, no program in the loop.",
            "* task: \(supervised.summary)",
            "* network: \(t.name), \(t.nodeCount) nodes, \(t.edgeCount) transistor edges, inputs \(t.inputs.map(String.init).joined(separator: ", ")), "
                + "outputs \(t.outputs.map(String.init).joined(separator: ", ")); written by clln compile --circuit autonomous --task \(task.rawValue)",
            "* initial gates: \(supervised.initialGates.description), drawn as clln train \(task.rawValue) --seed \(s.seed) draws trial 0's",
            "*",
            "* How it learns:",
            "*  - two copies of the network, FREE (nodes f<i>) and CLAMPED (nodes c<i>), share every edge's gate",
            "*    node g<e>: a capacitor cg<e> whose voltage is the edge's learnable gate (state of the circuit);",
            "*  - held inputs in<i> feed both copies; PWL sources cycle through the \(trainCount) training examples",
            "*    (each ramps in over tsettle and is held for tlearn), then show the \(testCount) test examples once;",
            "*  - the clamped copy's outputs are behavioral sources at (1-eta)*O_free + eta*T, T the label"
                + (supervised.options.loss == .hinge ? " (or O itself where the shifted hinge is met)" : ""),
            "*    (differential outputs: the pair at m +- N/2 around the free pair's mean m);",
            "*  - each edge's learning cell charges its gate with I = cg/tlearn * clip(alpha/eta*(dVF^2 - dVC^2), +-dgc)",
            "*    while an example is held during training (en = 1), so an example held for tlearn moves the gate",
            "*    by the quasi-static rule's update; both copies run all the time (no free/clamped phases).",
            "*  - after training (t > ttrain) the current stops and the free outputs are read per test example.",
            "* Run: ngspice -b <this file>  (prints the test outputs, the verdict and the final gates)",
            "*",
            "* ---- parameters (change freely; times in seconds) ----",
            "* cg: gate capacitance (F); alpha: learning rate; eta: nudge; dgc: largest gate move per example (V)",
            ".param cg=\(f(s.gateCapacitance)) alpha=\(f(s.alpha)) eta=\(f(s.eta)) dgc=\(f(s.updateClip))",
            "* gmn, gmx: gate bounds (V); the learning current stops at them",
            ".param gmn=\(f(t.gateBounds.lowerBound)) gmx=\(f(t.gateBounds.upperBound))",
            "* tsettle: ramp between examples; tlearn: time each example is held; epochs: passes over the training set",
            ".param tsettle=\(f(s.settleTime)) tlearn=\(f(s.learnTime)) epochs=\(s.epochs)",
            ".param tex={tsettle+tlearn} ntrain=\(trainCount) ntest=\(testCount) ttrain={epochs*ntrain*tex} tstop={ttrain+ntest*tex}",
            ".csparam tex={tex}",
            ".csparam ttrain={ttrain}",
            ".csparam tstop={tstop}",
            ".csparam tlearn={tlearn}",
            "* noinit: do not print the initial solution",
            ".options gmin=1e-18 reltol=1e-6 noinit",
            "*",
            "* ---- the edge: the model card's transistor ----",
        ]
        let kp = t.device.k / model.aspectRatio
        lines += model.render(modelName: SpiceNames.sharedMosfetModel, values: ["vto": t.device.thresholdVoltage, "kp": kp])
        let instance = "w=\(model.width) l=\(model.length)" + (model.instanceParameters.isEmpty ? "" : " " + model.instanceParameters)
        lines += [
            "* clln_edge a b g: drain a, source b, gate g" + (model.bulk == .ground ? ", bulk at ground" : ", bulk at b"),
            ".subckt clln_edge a b g",
            "m1 a g b \(model.bulk == .ground ? "0" : "b") \(SpiceNames.sharedMosfetModel) \(instance)",
            ".ends clln_edge",
            "*",
            "* ---- the learning cell: the local rule as a current into the gate ----",
            "* clln_learning_cell g fa fb ca cb en: gate g, the edge's free (fa, fb) and clamped (ca, cb) terminals,",
            "* enable en (1 V: learn). Node d is the rule's gate move per tlearn, clipped to +-dgc; the current",
            "* cg*v(d)/tlearn flows into g unless it would push the gate beyond [gmn, gmx].",
            ".subckt clln_learning_cell g fa fb ca cb en",
            "bd d 0 v = max(-dgc, min(dgc, alpha/eta*((v(fa)-v(fb))^2 - (v(ca)-v(cb))^2)))",
            "bi 0 g i = cg/tlearn*v(en)*v(d)*(u(v(d))*u(gmx-v(g)) + u(-v(d))*u(v(g)-gmn))",
            ".ends clln_learning_cell",
            "*",
            "* ---- the twin networks: per edge e, its free copy xf<e>, clamped copy xc<e>, gate cg<e>, cell xl<e> ----",
        ]
        for (e, edge) in t.edges.enumerated() {
            let (fa, fb, ca, cb) = (node("f", edge.a), node("f", edge.b), node("c", edge.a), node("c", edge.b))
            lines += [
                "xf\(e) \(fa) \(fb) g\(e) clln_edge",
                "xc\(e) \(ca) \(cb) g\(e) clln_edge",
                "cg\(e) g\(e) 0 {cg}",
                "xl\(e) g\(e) \(fa) \(fb) \(ca) \(cb) en clln_learning_cell",
            ]
        }
        lines += [
            "*",
            "* ---- the training window: trn = 1 V while learning, ramping to 0 over tsettle at ttrain ----",
            "vtrn trn 0 pwl(0 1 {ttrain} 1 {ttrain+tsettle} 0)",
            "* ---- the learning window: ph = +-1 while a training example is held (the sign alternating),",
            "* passing through 0 on the ramps; en = trn*max(0, 10*|ph| - 9) enables the learning cells while",
            "* an example is held (and over the last 5 % of its ramp), never on the interpolated inputs between ----",
            "vph ph 0 " + cycle(exampleSigns),
            "ben en 0 v = v(trn)*max(0, 10*abs(v(ph))-9)",
            "*",
            "* ---- data: per input node i, the training cycle vtr<i> (repeats every epoch), the test",
            "* sequence vte<i> (from ttrain), and bin<i> holding in<i> at the one the window selects ----",
        ]
        for (j, i) in t.inputs.enumerated() {
            lines.append("vtr\(i) tr\(i) 0 " + cycle(supervised.train.map { $0.inputs[j] }))
            lines.append("vte\(i) te\(i) 0 " + sequence(supervised.test.map { $0.inputs[j] }))
            lines.append("bin\(i) in\(i) 0 v = v(trn)*v(tr\(i)) + (1-v(trn))*v(te\(i))")
        }
        lines += ["*", "* ---- labels: vlab<k> cycles with the training examples ----"]
        for k in 0..<logicalOutputCount {
            lines.append("vlab\(k) lab\(k) 0 " + cycle(supervised.train.map { $0.targets[k] }))
        }
        lines += ["*", "* ---- output clamps: the clamped copy's outputs from the free copy's and the labels ----"]
        let hinge = supervised.options.loss == .hinge
        let center = f(supervised.options.hingeCenter)
        for k in 0..<logicalOutputCount {
            let label = "v(lab\(k))"
            let o = differential ? "v(o\(k))" : "v(\(outputNodes[k].free))"
            // N = O + η·(T − O): T = L (MSE); shifted hinge: T = O where O is at or beyond L on L's side.
            let nudge = hinge
                ? "eta*sgn(\(label)-\(center))*max(0, sgn(\(label)-\(center))*(\(label)-\(o)))"
                : "eta*(\(label)-\(o))"
            if differential {
                let (p, m) = (outputNodes[2 * k], outputNodes[2 * k + 1])
                lines += [
                    "* logical output \(k): o\(k) = v(\(p.free)) - v(\(m.free)); nudged value nud\(k); the clamped pair at its free mean +- nud\(k)/2",
                    "bo\(k) o\(k) 0 v = v(\(p.free))-v(\(m.free))",
                    "bnud\(k) nud\(k) 0 v = \(o) + \(nudge)",
                    "bclamp\(t.outputs[2 * k]) \(p.clamped) 0 v = (v(\(p.free))+v(\(m.free)))/2 + v(nud\(k))/2",
                    "bclamp\(t.outputs[2 * k + 1]) \(m.clamped) 0 v = (v(\(p.free))+v(\(m.free)))/2 - v(nud\(k))/2",
                ]
            } else {
                let c = outputNodes[k].clamped
                lines += [
                    "* output \(k): \(c) = (1-eta)*v(\(outputNodes[k].free)) + eta*T",
                    "bclamp\(t.outputs[k]) \(c) 0 v = \(o) + \(nudge)",
                ]
            }
        }
        lines += [
            "*",
            "* ---- initial gates ----",
            ".ic " + initialGates.enumerated().map { "v(g\($0))=\(f($1))" }.joined(separator: " "),
            ".save " + savedVectors.map { "v(\($0))" }.joined(separator: " "),
            "* time step: at most tlearn; ngspice lands on every PWL corner",
            ".tran {tex/10} {tstop} 0 {tlearn}",
        ]
        if control { lines += controlBlock() }
        lines.append(".end")
        return Netlist(title: title, lines: lines, nodeNames: (0..<t.nodeCount).map { node("f", $0) })
    }

    /// A PWL that repeats every epoch: example k ramps in over [k·tex, k·tex + tsettle] from
    /// example k − 1 (the cycle's last for k = 0, so the repeat is continuous) and is held to (k+1)·tex.
    private func cycle(_ one: [Double]) -> String {
        // An odd count repeats over two epochs, so that the alternating signs of ph close the cycle.
        let values = one.count % 2 == 0 ? one : one + one
        var points = ["0 \(SpiceNumber.format(values[values.count - 1]))"]
        for (k, v) in values.enumerated() {
            points.append("{\(k)*tex+tsettle} \(SpiceNumber.format(v)) {\(k + 1)*tex} \(SpiceNumber.format(v))")
        }
        return "pwl(" + points.joined(separator: " ") + ") r=0"
    }

    /// +1, −1, +1, … per training example (the learning window's phase signal).
    private var exampleSigns: [Double] { supervised.train.indices.map { $0 % 2 == 0 ? 1 : -1 } }

    /// A PWL from ttrain: example k held from (k·tex + tsettle) to (k+1)·tex after ttrain (the
    /// first from ttrain), ramping between.
    private func sequence(_ values: [Double]) -> String {
        var points = ["0 \(SpiceNumber.format(values[0]))"]
        for (k, v) in values.enumerated() {
            points.append((k == 0 ? "" : "{\(k)*tex+tsettle} \(SpiceNumber.format(v)) ") + "{\(k + 1)*tex} \(SpiceNumber.format(v))")
        }
        return "pwl(" + points.joined(separator: " ") + ") td={ttrain}"
    }

    /// The `.control` block: run, read each test example's outputs in the middle of its hold
    /// (`$&` prints 6 digits, so a time at the very end could round past the last point), print them, the verdict (classification: correct cases; regression: test
    /// MSE) and the final gates.
    private func controlBlock() -> [String] {
        let f = SpiceNumber.format
        var lines = [
            ".control",
            "run",
            "echo \"clln autonomous \(task.rawValue): trained for $&ttrain s of simulated time; test outputs at the end of each example\"",
        ]
        for (k, example) in supervised.test.enumerated() {
            lines.append("let tk = ttrain + \(k + 1)*tex - tlearn/2")
            for (j, vector) in logicalOutputVectors.enumerated() {
                lines.append("meas tran out\(k)_\(j) find v(\(vector)) at=$&tk")
            }
            let inputs = example.inputs.map(f).joined(separator: " ")
            switch supervised.metric {
            case .accuracy:
                guard case let .threshold(threshold) = supervised.decoder else { continue }
                let expected = supervised.testClasses[k]
                lines += [
                    "let class\(k) = out\(k)_0 gt \(f(threshold))",
                    "let ok\(k) = class\(k) eq \(expected)",
                    "echo \"case \(k): inputs \(inputs) V -> output $&out\(k)_0 V, class $&class\(k) (expected \(expected)), correct $&ok\(k)\"",
                ]
            case .mse:
                let target = example.targets[0]
                lines += [
                    "let se\(k) = (out\(k)_0 - \(f(target)))^2",
                ]
                if k % 8 == 0 || k == supervised.test.count - 1 {
                    lines.append("echo \"test \(k): input \(inputs) V -> output $&out\(k)_0 V, target \(f(target)) V\"")
                }
            }
        }
        let n = supervised.test.count
        switch supervised.metric {
        case .accuracy:
            lines.append("let correct = " + (0..<n).map { "ok\($0)" }.joined(separator: " + "))
            lines += [
                "echo \"correct: $&correct of \(n)\"",
                "if correct eq \(n)",
                "echo \"RESULT: learned \(task.rawValue) (all \(n) cases correct)\"",
                "else",
                "echo \"RESULT: not learned\"",
                "end",
            ]
        case .mse:
            lines.append("let sse = 0")
            for chunk in stride(from: 0, to: n, by: 8) {
                lines.append("let sse = sse + " + (chunk..<min(chunk + 8, n)).map { "se\($0)" }.joined(separator: " + "))
            }
            lines += ["let mse = sse / \(n)", "echo \"RESULT: test MSE $&mse V^2 over \(n) test points\""]
        }
        lines += ["echo \"final gates (V), edge order:\"", "let tend = tstop - tlearn/2"]
        for e in supervised.topology.edges.indices {
            lines.append("meas tran gate\(e) find v(g\(e)) at=$&tend")
        }
        lines.append(".endc")
        return lines
    }
}
