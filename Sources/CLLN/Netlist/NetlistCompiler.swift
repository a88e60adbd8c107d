import Foundation

/// Which boundary conditions a netlist carries.
public enum Phase: String, Sendable, Codable, CaseIterable {
    /// Inputs held at the state's voltages.
    case free
    /// Inputs held, and every output held at its clamp value.
    case clamped
}

/// How gate voltages enter the netlist.
public enum GateStyle: String, Sendable, Codable {
    /// One DC source `vg<e>` per gate (readable; gates change with `alter vg<e> = U`).
    case sources
    /// Gate at ground and a model per edge `me<e>` with `vto = V_T − U_G`: identical currents
    /// (V_GS − V_T is unchanged; with the bulk at ground so is the body effect, since level 1's
    /// threshold is VTO + γ(√(φ + V_SB) − √φ) and V_SB does not involve the gate), five times
    /// fewer equations; gates change with `altermod me<e> vto = …`. Needs a card whose bulk is
    /// tied to ground and whose `vto` is the `{{vto}}` placeholder (V_T is the topology's) or a
    /// number on its `.model` line (V_T is the card's; see ``ModelCard/baseThreshold(topologyThreshold:)``).
    case thresholdPerEdge
}

/// How held voltages enter the netlist.
public enum HeldSourceStyle: String, Sendable, Codable {
    /// `vh<i> n<i> 0 dc V`, changed in place with `alter vh<i> = V`.
    case fixed
    /// `vh<i> n<i> 0 external`, plus a sweep source `vsw sw 0 dc 0` with its load `rsw sw 0 1k`:
    /// `dc vsw 0 M−1 1` then solves M operating points in one analysis, and ngspice asks the
    /// program that loaded it for every held voltage (its GetVSRCData callback; see
    /// ``NgspiceEngine``). Only the in-process engine can run it: `ngspice -b` has no callback.
    case externalSweep
}

/// Options of the netlist compiler.
public struct NetlistOptions: Sendable {
    public var model: ModelCard
    public var gateStyle: GateStyle
    /// How held voltages enter the netlist (``HeldSourceStyle/fixed`` except in the SPICE
    /// solver's batch circuits).
    public var heldSources: HeldSourceStyle = .fixed
    /// The `.options` line. The default makes ngspice agree with the idealized model to ~1e-15 V
    /// where no transistor saturates: `reltol=1e-6` tightens Newton's test, `gmin=1e-18` shrinks
    /// the junction conductance that keeps nodes whose edges are all cut off solvable (1e-12 S by
    /// default, which leaks ~1e-9 V into ~1e-3 S channels). `pivtol=1e-25` is for speed only: with
    /// gmin that small, cut-off channels leave matrix entries below the default pivot threshold
    /// and ngspice's reordering searches ~10× longer (results unchanged to 6e-16 V).
    public var spiceOptions: String
    /// Append `.op` so that `ngspice -b` prints the operating point.
    public var includeAnalysis: Bool
    /// Per-device deviations: each MOSFET gets its own model with VTO + ΔV_T and KP · gain.
    public var mismatch: DeviceMismatch?
    /// Gate sources `vg<e> g<e> 0 external` (gate style ``GateStyle/sources`` only), whose
    /// values the loading program supplies at every Newton iteration, and `.save none` (ngspice
    /// keeps only the latest point of each vector): the SPICE solver's session circuits, one
    /// paused `dc` sweep whose points are successive solves (see ``SpiceSolver``).
    public var externalGates = false
    /// The co-simulation form (gate style ``GateStyle/sources`` only): gate capacitors instead
    /// of gate sources, node capacitances, `external` held sources behind switches.
    public var cosimulation: CosimulationCircuit?

    public init(
        model: ModelCard, gateStyle: GateStyle = .sources, spiceOptions: String = "gmin=1e-18 reltol=1e-6 pivtol=1e-25",
        includeAnalysis: Bool = true
    ) {
        self.model = model
        self.gateStyle = gateStyle
        self.spiceOptions = spiceOptions
        self.includeAnalysis = includeAnalysis
    }
}

/// A compiled SPICE netlist, its elements named by ``SpiceNames`` (stable, so values can be
/// changed in place).
public struct Netlist: Sendable, Hashable {
    public var title: String
    public var lines: [String]
    /// SPICE names of the topology's nodes, in node order (`n<i>`).
    public var nodeNames: [String]
    public var text: String { lines.joined(separator: "\n") + "\n" }
}

/// Problems compiling a netlist.
public enum NetlistError: Error, CustomStringConvertible {
    case unknownModel(String, available: [String])
    case badModelCard(name: String, reason: String)
    case thresholdStyleUnsupported(model: String)

    public var description: String {
        switch self {
        case let .unknownModel(name, available):
            "no model card \"\(name)\"; shipped cards: \(available.joined(separator: ", ")) (or give a path to a .lib file)"
        case let .badModelCard(name, reason): "model card \(name) is unusable: \(reason)"
        case let .thresholdStyleUnsupported(model):
            "model card \(model) does not tie the bulk to ground or has no vto on its .model line ({{vto}} or a number), which the per-edge threshold form cannot express; use --gate-style sources"
        }
    }
}

/// Compiles a topology into an ngspice netlist.
public enum NetlistCompiler {
    /// Compiles `topology` with edge parameters `parameters` and the held nodes of one phase: each
    /// edge in its element's ``ElementModel/netlistForm`` with its ``ElementModel/netlistValue(parameter:)``,
    /// named by ``SpiceNames``. Validates everything first. Output is deterministic.
    public static func compile(
        _ topology: Topology, parameters: [Double], held: HeldNodes, phaseLabel: String, options: NetlistOptions
    ) throws -> Netlist {
        try topology.validate()
        try topology.validateParameters(parameters)
        try topology.validateHeld(held)
        let card = options.model
        if options.externalGates, options.gateStyle != .sources || options.cosimulation != nil {
            throw NetlistError.badModelCard(name: card.name, reason: "external gate sources need gate style sources (a gate node per edge)")
        }
        if options.cosimulation != nil, options.gateStyle != .sources {
            throw NetlistError.badModelCard(name: card.name, reason: "the co-simulation form needs gate style sources (a gate node per edge)")
        }
        let vt = topology.device.thresholdVoltage
        let thresholdBase = card.baseThreshold(topologyThreshold: vt)
        if options.gateStyle == .thresholdPerEdge, card.bulk != .ground || thresholdBase == nil {
            throw NetlistError.thresholdStyleUnsupported(model: card.name)
        }
        let n = { (i: Int) in SpiceNames.node(i) }
        let k = topology.device.k
        let kp = k / card.aspectRatio
        let kinds = Dictionary(grouping: topology.edges, by: \.element).mapValues(\.count)
        let kindSummary = EdgeElement.allCases.compactMap { kind in kinds[kind].map { "\($0) \(kind.name)" } }
            .joined(separator: ", ")
        let title = "clln netlist: \(topology.name), \(phaseLabel)"
        var lines = [
            "* \(title)",
            "* nodes: \(topology.nodeCount), edges: \(topology.edgeCount) (\(kindSummary)), inputs: \(topology.inputs.count), "
                + "outputs: \(topology.outputs.count), held: \(held.nodes.count)",
            "* model: \(card.name) (\(card.origin)), W/L = \(card.width)/\(card.length), bulk at \(card.bulk.rawValue), "
                + (card.text.contains("{{kp}}") ? "k = KP*W/L = \(SpiceNumber.format(k)) A/V^2" : "KP and VTO as the card fixes them")
                + ", gate style: \(options.gateStyle.rawValue)" + (options.mismatch == nil ? "" : ", per-device mismatch"),
            "* names: node i -> n<i>; MOSFET edge e -> m<e>, gate source vg<e>; held node i -> source vh<i>",
            options.gateStyle == .sources
                ? "*        change in place: alter vg<e> = U ; alter vh<i> = V"
                : "*        gate at ground, model me<e> per edge: altermod me<e> vto = V_T - U ; alter vh<i> = V",
        ]
        if options.heldSources == .externalSweep {
            lines.append("*        held sources external (values from the loading program); dc \(SpiceNames.sweepSource) 0 M-1 1 solves M points")
        }
        lines.append(".options \(options.spiceOptions)")
        if options.externalGates { lines.append(".save none") }
        if let mismatch = options.mismatch { try mismatch.validate(edgeCount: topology.edgeCount) }
        let forms = topology.edges.map { $0.element.model.netlistForm }
        let hasTransistors = forms.contains(.mosfet)
        let cardLines = card.render(modelName: SpiceNames.sharedMosfetModel, values: ["vto": vt, "kp": kp])
        if hasTransistors && options.gateStyle == .sources && options.mismatch == nil {
            lines += cardLines
        } else if hasTransistors {
            lines += cardLines.filter { $0.hasPrefix("*") }  // the card's notes once; a model per edge below
        }
        let fixedThreshold = !card.text.contains("{{vto}}")
        /// The card's model line(s) for one edge, named `name`, with V_T and KP given (V_T replaces
        /// a card's fixed `vto` only in the per-edge threshold form).
        func edgeModel(_ name: String, vto: Double, threshold: Double, gain: Double) -> [String] {
            card.render(modelName: name, values: ["vto": vto, "kp": kp]).filter { !$0.hasPrefix("*") }
                .map { options.gateStyle == .thresholdPerEdge && fixedThreshold ? ModelCard.settingThreshold($0, to: vto) : $0 }
                .map { ModelCard.shifting($0, threshold: threshold, gain: gain) }
        }
        let instance = "w=\(card.width) l=\(card.length)" + (card.instanceParameters.isEmpty ? "" : " " + card.instanceParameters)
        if forms.contains(.diodeResistor) {
            let diode = try ModelCard.named("diode-ideal")
            lines += diode.render(modelName: SpiceNames.diodeModel, values: [:])
        }
        // One switch over the circuit forms (not the elements): what ngspice sees.
        for (e, edge) in topology.edges.enumerated() {
            let value = edge.element.model.netlistValue(parameter: parameters[e])
            let (a, b) = (n(edge.a), n(edge.b))
            switch forms[e] {
            case .mosfet:
                let gate = value
                let bulk = switch card.bulk {
                case .ground: "0"
                case .source: b
                case .drain: a
                }
                let mosfet = SpiceNames.mosfet(edge: e)
                switch options.gateStyle {
                case .sources:
                    var model = SpiceNames.sharedMosfetModel
                    if let mismatch = options.mismatch {
                        model = SpiceNames.mismatchModel(edge: e)
                        lines += edgeModel(model, vto: vt, threshold: mismatch.thresholdOffsets[e], gain: mismatch.gainFactors[e])
                    }
                    let gateNode = SpiceNames.gateNode(edge: e)
                    lines.append("\(mosfet) \(a) \(gateNode) \(b) \(bulk) \(model) \(instance)")
                    if let cosim = options.cosimulation {
                        lines += cosim.gateLines(edge: e, gate: gate)
                    } else if options.externalGates {
                        lines.append("\(SpiceNames.gateSource(edge: e)) \(gateNode) 0 external")
                    } else {
                        lines.append("\(SpiceNames.gateSource(edge: e)) \(gateNode) 0 dc \(SpiceNumber.format(gate))")
                    }
                case .thresholdPerEdge:
                    let model = SpiceNames.thresholdModel(edge: e)
                    lines += edgeModel(model, vto: thresholdBase! - gate, threshold: options.mismatch?.thresholdOffsets[e] ?? 0,
                                       gain: options.mismatch?.gainFactors[e] ?? 1)
                    lines.append("\(mosfet) \(a) 0 \(b) \(bulk) \(model) \(instance)")
                }
            case .diodeResistor:
                let x = SpiceNames.diodeNode(edge: e)
                lines.append("\(SpiceNames.diode(edge: e)) \(a) \(x) \(SpiceNames.diodeModel)")
                lines.append("\(SpiceNames.resistor(edge: e)) \(x) \(b) \(SpiceNumber.format(value))")
            case .resistor:
                lines.append("\(SpiceNames.resistor(edge: e)) \(a) \(b) \(SpiceNumber.format(value))")
            }
        }
        if let cosim = options.cosimulation {
            lines += cosim.heldLines(held: held.nodes, nodeCount: topology.nodeCount)
        } else {
            switch options.heldSources {
            case .fixed:
                for (node, value) in zip(held.nodes, held.values) {
                    lines.append("\(SpiceNames.heldSource(node: node)) \(n(node)) 0 dc \(SpiceNumber.format(value))")
                }
            case .externalSweep:
                // No `dc` value: with one, ngspice would use it instead of asking in DC analyses.
                lines += held.nodes.map { "\(SpiceNames.heldSource(node: $0)) \(n($0)) 0 external" }
                lines += ["\(SpiceNames.sweepSource) \(SpiceNames.sweepNode) 0 dc 0", "\(SpiceNames.sweepLoad) \(SpiceNames.sweepNode) 0 1k"]
            }
        }
        if options.includeAnalysis { lines.append(".op") }
        lines.append(".end")
        return Netlist(title: title, lines: lines, nodeNames: (0..<topology.nodeCount).map(n))
    }

    /// Compiles one phase of a state: free (inputs held) or clamped (inputs and outputs held at
    /// `outputValues`).
    public static func compile(
        _ topology: Topology, parameters: [Double], phase: Phase, state: Int, outputValues: [Double]? = nil,
        options: NetlistOptions
    ) throws -> Netlist {
        let held: HeldNodes
        switch phase {
        case .free: held = try topology.freeHeld(state: state)
        case .clamped:
            held = try topology.clampedHeld(state: state, outputValues: outputValues ?? [Double](repeating: 0, count: topology.outputs.count))
        }
        return try compile(topology, parameters: parameters, held: held, phaseLabel: "\(phase.rawValue) phase, state \(state)", options: options)
    }
}
