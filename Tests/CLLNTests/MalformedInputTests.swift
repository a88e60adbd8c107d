import Foundation
import Testing

/// Every command of `clln` fed malformed input: each row must be refused before any work starts,
/// with exit 65 (bad input data) or 64 (a malformed command line: a value that is not of the
/// flag's type, an unknown flag, flags that exclude each other), a message on stderr that names
/// the input and the fix, no trap, and no `--out` folder left behind.
///
/// The rule for 64 versus 65: a value of the right type that makes no sense (negative, zero,
/// NaN, ∞, huge, out of range) is bad input data, 65, whether it comes from a file or a flag;
/// only what ArgumentParser cannot parse, or a combination of flags, is a usage error, 64.
@Suite(.serialized) struct MalformedInputTests {
    /// One malformed invocation. `$DIR` in `arguments` is the row's temp folder (holding `files`),
    /// `--out $DIR/out` is appended unless `out` is false.
    struct Row: CustomTestStringConvertible, Sendable {
        var label: String
        var arguments: [String]
        var status: Int32 = 65
        /// Groups of alternatives: stderr must contain one string of every group (case-insensitive).
        var mentions: [[String]]
        var files: [String: String] = [:]
        var directories: [String] = []
        var out = true
        var testDescription: String { label }
    }

    static let topologyOK = #"{"nodes": 3, "edges": [[0,1],[1,2]], "inputs": [0], "outputs": [2], "states": [[1]]}"#
    static let task = "oscillators-amplitude"
    static let quick = ["--trials", "1", "--steps", "100"]

    static func topology(_ json: String) -> [String: String] { ["t.json": json] }
    static func yaml(_ text: String) -> [String: String] { ["t.yaml": text] }
    static func config(_ text: String) -> [String: String] { ["c.yaml": text] }

    static let rows: [Row] = [
        // compile: topology files
        Row(label: "compile: huge node count", arguments: ["compile", "$DIR/t.json"], mentions: [["\"nodes\""]],
            files: topology(#"{"nodes": 1000000000000000, "edges": [[0,1]], "inputs": [0]}"#)),
        Row(label: "compile: negative node count", arguments: ["compile", "$DIR/t.json"], mentions: [["\"nodes\""], ["-4"]],
            files: topology(#"{"nodes": -4, "edges": [[0,1]], "inputs": [0]}"#)),
        Row(label: "compile: node count of the wrong type", arguments: ["compile", "$DIR/t.json"], mentions: [["nodes"], ["node count"]],
            files: topology(#"{"nodes": "four", "edges": [[0,1]], "inputs": [0]}"#)),
        Row(label: "compile: edge index out of range", arguments: ["compile", "$DIR/t.json"], mentions: [["edge 0"], ["node 7"]],
            files: topology(#"{"nodes": 3, "edges": [[0,7],[1,2]], "inputs": [0]}"#)),
        Row(label: "compile: negative edge index", arguments: ["compile", "$DIR/t.json"], mentions: [["edge 1"], ["node -1"]],
            files: topology(#"{"nodes": 3, "edges": [[0,1],[-1,2]], "inputs": [0]}"#)),
        Row(label: "compile: fractional edge index", arguments: ["compile", "$DIR/t.json"], mentions: [["edges[0]"], ["index"]],
            files: topology(#"{"nodes": 3, "edges": [[0.5,1],[1,2]], "inputs": [0]}"#)),
        Row(label: "compile: edge with one end", arguments: ["compile", "$DIR/t.json"], mentions: [["edges[1]"], ["[a, b]"]],
            files: topology(#"{"nodes": 3, "edges": [[0,1],[2]], "inputs": [0]}"#)),
        Row(label: "compile: unknown key", arguments: ["compile", "$DIR/t.json"], mentions: [["colour"], ["remove"]],
            files: topology(#"{"nodes": 3, "edges": [[0,1],[1,2]], "inputs": [0], "colour": "red"}"#)),
        Row(label: "compile: unknown edge element", arguments: ["compile", "$DIR/t.json"], mentions: [["capacitor"], ["mosfet"]],
            files: topology(#"{"nodes": 3, "edges": [[0,1,"capacitor"],[1,2]], "inputs": [0]}"#)),
        Row(label: "compile: NaN state voltage", arguments: ["compile", "$DIR/t.yaml"], mentions: [["states"], ["finite"]],
            files: yaml("nodes: 3\nedges: [[0,1],[1,2]]\ninputs: [0]\nstates: [[.nan]]\n")),
        Row(label: "compile: infinite state voltage", arguments: ["compile", "$DIR/t.yaml"], mentions: [["states"], ["finite"]],
            files: yaml("nodes: 3\nedges: [[0,1],[1,2]]\ninputs: [0]\nstates: [[.inf]]\n")),
        Row(label: "compile: state of the wrong width", arguments: ["compile", "$DIR/t.json"], mentions: [["state 0"], ["one voltage per input"]],
            files: topology(#"{"nodes": 3, "edges": [[0,1],[1,2]], "inputs": [0], "states": [[1, 0]]}"#)),
        Row(label: "compile: NaN device constant", arguments: ["compile", "$DIR/t.yaml"], mentions: [["\"k\""]],
            files: yaml("nodes: 3\nedges: [[0,1],[1,2]]\ninputs: [0]\ndevice: {k: .nan}\n")),
        Row(label: "compile: unknown device key", arguments: ["compile", "$DIR/t.json"], mentions: [["thresh"], ["threshold"]],
            files: topology(#"{"nodes": 3, "edges": [[0,1],[1,2]], "inputs": [0], "device": {"thresh": 0.5}}"#)),
        Row(label: "compile: reversed gate bounds", arguments: ["compile", "$DIR/t.json"], mentions: [["gate_bounds"], ["min < max"]],
            files: topology(#"{"nodes": 3, "edges": [[0,1],[1,2]], "inputs": [0], "gate_bounds": [5, 1]}"#)),
        Row(label: "compile: disconnected network", arguments: ["compile", "$DIR/t.json"], mentions: [["component"], ["connect"]],
            files: topology(#"{"nodes": 4, "edges": [[0,1],[2,3]], "inputs": [0]}"#)),
        Row(label: "compile: empty file", arguments: ["compile", "$DIR/t.json"], mentions: [["t.json"], ["empty"]], files: topology("")),
        Row(label: "compile: unreadable file (a folder)", arguments: ["compile", "$DIR/t.json"], mentions: [["t.json"], ["cannot read"]],
            directories: ["t.json"]),
        Row(label: "compile: state out of range", arguments: ["compile", "four-state", "--state", "9"], mentions: [["state 9"]]),
        Row(label: "compile: NaN gate value", arguments: ["compile", "four-state", "--gate-value", "nan"], mentions: [["--gate-value"]]),
        Row(label: "compile: outputs file of the wrong size", arguments: ["compile", "four-state", "--phase", "clamped", "--outputs", "$DIR/o.json"],
            mentions: [["output"], ["4 outputs"]], files: ["o.json": "[0.1]"]),
        Row(label: "compile autonomous: unknown task", arguments: ["compile", "--circuit", "autonomous", "--task", "iris"],
            mentions: [["--task"], ["xor"]]),
        Row(label: "compile autonomous: negative gate capacitance",
            arguments: ["compile", "--circuit", "autonomous", "--task", "xor", "--gate-capacitance=-1e-9"], mentions: [["--gate-capacitance"]]),
        Row(label: "compile autonomous: NaN alpha with --run",
            arguments: ["compile", "--circuit", "autonomous", "--task", "xor", "--alpha", "nan", "--run"], mentions: [["--alpha"], ["finite"]]),
        Row(label: "compile autonomous: eta above 1", arguments: ["compile", "--circuit", "autonomous", "--task", "regression", "--eta", "2"],
            mentions: [["--eta"], ["(0, 1]"]]),

        // solve
        Row(label: "solve: gates file of the wrong size", arguments: ["solve", "--topology", "four-state", "--state", "0", "--gates", "$DIR/g.json"],
            mentions: [["edge parameters", "--gates"], ["32"]], files: ["g.json": "[1.5, 2]"]),
        Row(label: "solve: gates file of the wrong type", arguments: ["solve", "--topology", "four-state", "--state", "0", "--gates", "$DIR/g.json"],
            mentions: [["g.json"], ["array of numbers"]], files: ["g.json": #"[1.5, "high"]"#]),
        Row(label: "solve: missing gates file", arguments: ["solve", "--topology", "four-state", "--state", "0", "--gates", "$DIR/none.json"],
            mentions: [["none.json"]]),
        Row(label: "solve: infinite gate value", arguments: ["solve", "--topology", "four-state", "--state", "0", "--gate-value", "inf"],
            mentions: [["--gate-value"]]),
        Row(label: "solve: held node out of range", arguments: ["solve", "--topology", "four-state", "--hold", "99=1"], mentions: [["node 99"]]),
        Row(label: "solve: NaN held voltage", arguments: ["solve", "--topology", "four-state", "--hold", "0=nan", "--hold", "2=0"],
            mentions: [["node 0"], ["finite"]]),
        Row(label: "solve: malformed --hold", arguments: ["solve", "--topology", "four-state", "--hold", "zero"], status: 64,
            mentions: [["--hold"], ["NODE=VOLTS"]]),
        Row(label: "solve: zero nudge", arguments: ["solve", "--topology", "four-state", "--state", "0", "--phase", "clamped",
                                                    "--labels", "$DIR/l.json", "--eta", "0"],
            mentions: [["--eta"]], files: ["l.json": "[0, 0, 0, 0]"]),
        Row(label: "solve: labels of the wrong size", arguments: ["solve", "--topology", "four-state", "--state", "0", "--phase", "clamped",
                                                                 "--labels", "$DIR/l.json"],
            mentions: [["output"], ["4 outputs"]], files: ["l.json": "[0, 1]"]),
        Row(label: "solve: negative σ in a chip file", arguments: ["solve", "--topology", "four-state", "--state", "0", "--mismatch", "$DIR/chip.json"],
            mentions: [["sigma_vto", "--sigma-vto"]], files: ["chip.json": #"{"sigma_vto": -0.01}"#]),
        Row(label: "solve: unknown key in a chip file", arguments: ["solve", "--topology", "four-state", "--state", "0", "--mismatch", "$DIR/chip.json"],
            mentions: [["sigma_vt\""], ["sigma_vto"]], files: ["chip.json": #"{"sigma_vt": 0.01}"#]),
        Row(label: "solve: wrong type in a chip file", arguments: ["solve", "--topology", "four-state", "--state", "0", "--mismatch", "$DIR/chip.json"],
            mentions: [["twin"], ["true or false"]], files: ["chip.json": #"{"twin": "yes"}"#]),
        Row(label: "solve: negative read noise", arguments: ["solve", "--topology", "four-state", "--state", "0", "--read-noise=-0.1"],
            mentions: [["read_noise", "--read-noise"]]),
        Row(label: "solve: unknown model card", arguments: ["solve", "--topology", "four-state", "--state", "0", "--backend", "spice",
                                                           "--model", "no-such-card"],
            mentions: [["no-such-card"]]),
        Row(label: "train: a device card on the idealized backend", arguments: ["train", "xor", "--trials", "1", "--epochs", "1", "--bulk", "drain"],
            mentions: [["--bulk"], ["--backend spice"]]),
        Row(label: "solve: missing topology file", arguments: ["solve", "--topology", "$DIR/none.json", "--state", "0"], mentions: [["none.json"]]),

        // train: Q-learning preset flags
        Row(label: "train: negative σ_VT", arguments: ["train", "four-state", "--trials", "2", "--steps", "100", "--sigma-vto=-1"],
            mentions: [["sigma_vto", "--sigma-vto"]]),
        Row(label: "train: negative read noise", arguments: ["train", "four-state", "--read-noise=-0.1"] + quick,
            mentions: [["read_noise", "--read-noise"]]),
        Row(label: "train: NaN alpha", arguments: ["train", "four-state", "--alpha", "nan"] + quick, mentions: [["alpha"]]),
        Row(label: "train: infinite gamma", arguments: ["train", "four-state", "--gamma", "inf"] + quick, mentions: [["gamma"]]),
        Row(label: "train: ε above 1", arguments: ["train", "four-state", "--epsilon-start", "2"] + quick,
            mentions: [["epsilon_start", "--epsilon-start"]]),
        Row(label: "train: negative state weight exponent", arguments: ["train", "four-state", "--state-weight-exponent=-1"] + quick,
            mentions: [["state_weight_exponent", "--state-weight-exponent"]]),
        Row(label: "train: zero steps", arguments: ["train", "four-state", "--trials", "1", "--steps", "0"], mentions: [["steps"]]),
        Row(label: "train: huge steps", arguments: ["train", "four-state", "--trials", "1", "--steps", "100000000000000"], mentions: [["steps"]]),
        Row(label: "train: zero trials", arguments: ["train", "four-state", "--trials", "0", "--steps", "100"], mentions: [["trials"]]),
        Row(label: "train: huge trials", arguments: ["train", "four-state", "--trials", "1000000", "--steps", "100"], mentions: [["trials"]]),
        Row(label: "train: zero jobs", arguments: ["train", "four-state", "--jobs", "0"] + quick, mentions: [["--jobs"]]),
        Row(label: "train: steps not a number", arguments: ["train", "four-state", "--steps", "many"], status: 64, mentions: [["--steps"]]),
        Row(label: "train: unknown flag", arguments: ["train", "four-state", "--alhpa", "0.3"], status: 64, mentions: [["--alhpa"]]),
        Row(label: "train: NaN action voltage", arguments: ["train", "four-state", "--readout", "arq", "--action-voltage", "nan"] + quick,
            mentions: [["action_voltage"], ["finite"]]),
        Row(label: "train: huge action voltage", arguments: ["train", "four-state", "--readout", "arq", "--action-voltage", "1e9"] + quick,
            mentions: [["action_voltage"], ["±10"]]),
        Row(label: "train: action on and off voltages equal",
            arguments: ["train", "four-state", "--readout", "arq", "--action-voltage", "0", "--action-off-voltage", "0"] + quick,
            mentions: [["action_off_voltage"], ["differ"]]),
        Row(label: "train: zero readout gain", arguments: ["train", "four-state", "--readout", "arq", "--readout-gain", "0"] + quick,
            mentions: [["readout_gain"]]),
        Row(label: "train: infinite readout offset", arguments: ["train", "four-state", "--readout", "arq", "--readout-offset", "inf"] + quick,
            mentions: [["readout_offset"], ["finite"]]),
        Row(label: "train: action voltage without a group readout", arguments: ["train", "four-state", "--action-voltage", "0.1"] + quick,
            mentions: [["readout arq"]]),
        Row(label: "train: unknown action code", arguments: ["train", "four-state", "--readout", "arq", "--action-code", "gray"] + quick,
            status: 64, mentions: [["--action-code"]]),

        // train: Q-learning config files
        Row(label: "train config: reset 0", arguments: ["train", "$DIR/c.yaml"] + quick, mentions: [["reset"], ["≥ 1"]],
            files: config("preset: four-state\nenvironment: {kind: table, rewards: [[0.1, 0.2], [0.3, 0.0]], transitions: [[0, 1], [0, 1]], reset: 0}\n")),
        Row(label: "train config: unknown key", arguments: ["train", "$DIR/c.yaml"] + quick, mentions: [["alhpa"], ["alpha"]],
            files: config("preset: four-state\nalhpa: 0.3\n")),
        Row(label: "train config: wrong type", arguments: ["train", "$DIR/c.yaml", "--trials", "1"], mentions: [["steps"], ["whole number"]],
            files: config("preset: four-state\nsteps: many\n")),
        Row(label: "train config: negative reward noise", arguments: ["train", "$DIR/c.yaml"] + quick, mentions: [["noise"]],
            files: config("preset: navigation\nenvironment: {kind: grid, rows: 3, columns: 3, noise: -1}\n")),
        Row(label: "train config: huge grid", arguments: ["train", "$DIR/c.yaml"] + quick, mentions: [["grid"], ["cells"]],
            files: config("preset: navigation\nenvironment: {kind: grid, rows: 4000000000, columns: 4000000000}\n")),
        Row(label: "train config: transition out of range", arguments: ["train", "$DIR/c.yaml"] + quick, mentions: [["transitions[0][1]"]],
            files: config("environment: {kind: table, rewards: [[0.1, 0.2], [0.3, 0.0]], transitions: [[0, 5], [0, 1]]}\n")),
        Row(label: "train config: mismatched table sizes", arguments: ["train", "$DIR/c.yaml"] + quick, mentions: [["rewards"], ["transitions"]],
            files: config("environment: {kind: table, rewards: [[0.1, 0.2], [0.3, 0.0]], transitions: [[0, 1, 1], [0, 1, 0]]}\n")),
        Row(label: "train config: network does not fit the task", arguments: ["train", "$DIR/c.yaml"] + quick, mentions: [["states"]],
            files: config("preset: four-state\nenvironment: {kind: table, rewards: [[0.1, 0.2, 0, 0], [0.3, 0.0, 0, 0]], transitions: [[0, 1, 0, 1], [0, 1, 0, 1]]}\n")),
        Row(label: "train config: unknown action code", arguments: ["train", "$DIR/c.yaml"] + quick, mentions: [["action_code"], ["gray"]],
            files: config("preset: four-state\nreadout: arq\naction_code: gray\n")),
        Row(label: "train config: negative readout gain", arguments: ["train", "$DIR/c.yaml"] + quick, mentions: [["readout_gain"]],
            files: config("preset: four-state\nreadout: arq\nreadout_gain: -2\n")),
        Row(label: "train config: action wiring flag against the file's",
            arguments: ["train", "$DIR/c.yaml", "--action-wiring", "outputs"] + quick, mentions: [["--action-wiring"], ["action_wiring"]],
            files: config("preset: four-state\nreadout: arq\n")),
        Row(label: "train config: zero trials", arguments: ["train", "$DIR/c.yaml", "--steps", "100"], mentions: [["trials"]],
            files: config("preset: four-state\ntrials: 0\n")),
        Row(label: "train config: zero measurement interval", arguments: ["train", "$DIR/c.yaml"] + quick, mentions: [["measurement_interval"]],
            files: config("preset: four-state\nmeasurement_interval: 0\n")),
        Row(label: "train config: missing topology file", arguments: ["train", "$DIR/c.yaml"] + quick, mentions: [["none.json"]],
            files: config("preset: four-state\ntopology: none.json\n")),
        Row(label: "train config: empty file", arguments: ["train", "$DIR/c.yaml"] + quick, mentions: [["c.yaml"], ["empty"]],
            files: config("")),

        // train: supervised tasks
        Row(label: "train supervised: negative epochs", arguments: ["train", "xor", "--trials", "1", "--epochs=-1"], mentions: [["epochs"]]),
        Row(label: "train supervised: unknown --set key", arguments: ["train", "xor", "--trials", "1", "--epochs", "1", "--set", "alhpa=1"],
            mentions: [["alhpa"], ["alpha"]]),
        Row(label: "train supervised: NaN margin", arguments: ["train", "xor", "--trials", "1", "--epochs", "1", "--set", "margin=.nan"],
            mentions: [["margin"]]),
        Row(label: "train supervised: unknown pixel encoding", arguments: ["train", "digits", "--trials", "1", "--epochs", "1", "--set", "pixels=inverted"],
            mentions: [["pixels"], ["plain or complement"]]),
        Row(label: "train supervised: unknown loss", arguments: ["train", "xor", "--trials", "1", "--epochs", "1", "--set", "loss=l1"],
            mentions: [["loss"], ["mse or hinge or multiclass-hinge"]]),
        Row(label: "train supervised: unknown normalization", arguments: ["train", "xor", "--trials", "1", "--epochs", "1", "--set", "normalization=l2"],
            mentions: [["normalization"], ["adam"]]),
        Row(label: "train supervised: too many shifts", arguments: ["train", "digits", "--trials", "1", "--epochs", "1", "--set", "shifts=9"],
            mentions: [["shifts"], ["0...8"]]),
        Row(label: "train supervised: non-positive pixel_high", arguments: ["train", "digits", "--trials", "1", "--epochs", "1", "--set", "pixel_high=0"],
            mentions: [["pixel_high"]]),
        Row(label: "train supervised: zero alpha_final", arguments: ["train", "xor", "--trials", "1", "--epochs", "1", "--set", "alpha_final=0"],
            mentions: [["alpha_final"]]),
        Row(label: "train supervised: negative hidden_alpha", arguments: ["train", "iris", "--trials", "1", "--epochs", "1", "--set", "hidden_alpha=-2"],
            mentions: [["hidden_alpha"]]),
        Row(label: "train supervised: lattice side too small", arguments: ["train", "lattice-teacher", "--trials", "1", "--epochs", "1", "--set", "side=3"],
            mentions: [["side"], ["8...320"]]),
        Row(label: "train supervised: lattice side not a number", arguments: ["train", "lattice-teacher", "--trials", "1", "--epochs", "1", "--set", "side=.nan"],
            mentions: [["side"]]),
        Row(label: "train supervised: negative nudge", arguments: ["train", "digits", "--trials", "1", "--epochs", "1", "--set", "nudge=-0.05"],
            mentions: [["nudge"], ["positive"]]),
        Row(label: "train supervised: nudge without the multiclass hinge", arguments: ["train", "xor", "--trials", "1", "--epochs", "1", "--set", "nudge=0.05"],
            mentions: [["nudge"], ["multiclass-hinge"]]),
        Row(label: "train supervised: gate bounds reversed", arguments: ["train", "digits", "--trials", "1", "--epochs", "1", "--set", "gate_bounds=[8, 0.4]"],
            mentions: [["gate_bounds"], ["low < high"]]),
        Row(label: "train supervised: gate bounds not a list", arguments: ["train", "digits", "--trials", "1", "--epochs", "1", "--set", "gate_bounds=abc"],
            mentions: [["gate_bounds"], ["a list, e.g."]]),
        Row(label: "train supervised: one gate bound", arguments: ["train", "digits", "--trials", "1", "--epochs", "1", "--set", "gate_bounds=[0.4]"],
            mentions: [["gate_bounds"]]),
        Row(label: "train supervised: negative split seed", arguments: ["train", "digits", "--trials", "1", "--epochs", "1", "--set", "split_seed=-1"],
            mentions: [["split_seed"], ["≥ 0"]]),
        Row(label: "train supervised: unknown split method", arguments: ["train", "digits", "--trials", "1", "--epochs", "1", "--set", "split=sklearn"],
            mentions: [["split"], ["scikit-learn"], ["stratified"]]),
        Row(label: "train supervised: scikit-learn split seed beyond numpy's", arguments: ["train", "digits", "--trials", "1", "--epochs", "1", "--set", "split=scikit-learn", "--set", "split_seed=4294967296"],
            mentions: [["split_seed"], ["4294967295"]]),
        Row(label: "train supervised: split on a task without a data set", arguments: ["train", "xor", "--trials", "1", "--epochs", "1", "--set", "split=scikit-learn"],
            mentions: [["split"], ["digits"]]),
        Row(label: "train supervised: a key the task does not read", arguments: ["train", "digits", "--trials", "1", "--epochs", "1", "--set", "side=50"],
            mentions: [["side"], ["lattice-teacher"]]),
        Row(label: "train supervised: an empty value", arguments: ["train", "lattice-teacher", "--trials", "1", "--epochs", "1", "--set", "side="],
            mentions: [["side"], ["no value"]]),
        Row(label: "train supervised: huge hidden layer", arguments: ["train", "$DIR/s.yaml", "--trials", "1", "--epochs", "1"],
            mentions: [["hidden"]], files: ["s.yaml": "task: iris\nhidden: [1000000000]\n"]),
        Row(label: "train supervised: task of the wrong type", arguments: ["train", "$DIR/s.yaml", "--trials", "1", "--epochs", "1"],
            mentions: [["task"], ["xor"]], files: ["s.yaml": "task: 5\n"]),
        Row(label: "train supervised: negative σ_KP", arguments: ["train", "xor", "--trials", "2", "--epochs", "1", "--sigma-kp=-1"],
            mentions: [["sigma_kp", "--sigma-kp"]]),
        Row(label: "train supervised: Q-learning flag", arguments: ["train", "xor", "--trials", "1", "--epochs", "1", "--gamma", "0.5"],
            status: 64, mentions: [["--gamma"]]),

        // validate
        Row(label: "validate: negative samples", arguments: ["validate", "four-state", "--samples=-3"], mentions: [["samples"]]),
        Row(label: "validate: huge samples", arguments: ["validate", "four-state", "--samples", "100000000000"], mentions: [["samples"]]),
        Row(label: "validate: topology without states", arguments: ["validate", "$DIR/t.json", "--samples", "1"], mentions: [["states"]],
            files: topology(#"{"nodes": 3, "edges": [[0,1],[1,2]], "inputs": [0], "outputs": [2]}"#)),
        Row(label: "validate: gate vectors of the wrong size", arguments: ["validate", "four-state", "--samples", "1", "--gates", "$DIR/g.json"],
            mentions: [["edge parameters", "--gates"]], files: ["g.json": "[[1.5, 2]]"]),

        // check gradient
        Row(label: "check gradient: zero samples", arguments: ["check", "gradient", "four-state", "--samples", "0"], mentions: [["samples"]]),
        Row(label: "check gradient: nudge above 1", arguments: ["check", "gradient", "four-state", "--samples", "1", "--etas", "0.5,2"],
            mentions: [["--etas"]]),
        Row(label: "check gradient: topology without outputs", arguments: ["check", "gradient", "$DIR/t.json", "--samples", "1"],
            mentions: [["outputs"]], files: topology(#"{"nodes": 3, "edges": [[0,1],[1,2]], "inputs": [0], "states": [[1]]}"#)),

        // experiment stress | damage
        Row(label: "experiment stress: negative factor", arguments: ["experiment", "stress", "four-state", "--factors=-1", "--trials", "1", "--steps", "100"],
            mentions: [["--factors"]]),
        Row(label: "experiment stress: zero trials", arguments: ["experiment", "stress", "four-state", "--trials", "0", "--steps", "100"],
            mentions: [["--trials"]]),
        Row(label: "experiment stress: NaN σ_VT", arguments: ["experiment", "stress", "four-state", "--trials", "1", "--steps", "100", "--sigma-vto", "nan"],
            mentions: [["sigma_vto", "--sigma-vto"]]),
        Row(label: "experiment stress: unknown preset", arguments: ["experiment", "stress", "nowhere", "--trials", "1", "--steps", "100"],
            mentions: [["nowhere"]]),
        Row(label: "experiment damage: fraction above 1", arguments: ["experiment", "damage", "four-state", "--fractions", "1.5", "--steps", "100"],
            mentions: [["--fractions"]]),
        Row(label: "experiment damage: negative damage step", arguments: ["experiment", "damage", "four-state", "--at=-5", "--steps", "100"],
            mentions: [["--at"]]),
        Row(label: "experiment damage: zero steps", arguments: ["experiment", "damage", "four-state", "--steps", "0"], mentions: [["steps"]]),

        // bench
        Row(label: "bench solve: zero lattice size", arguments: ["bench", "solve", "--sizes", "0"], mentions: [["--sizes"]]),
        Row(label: "bench solve: both backends", arguments: ["bench", "solve", "--backend", "both"], status: 64, mentions: [["--backend"]]),
        Row(label: "bench train: zero trials", arguments: ["bench", "train", "--trials", "0"], mentions: [["--trials"]]),
        Row(label: "bench ideal-scale: negative memory updates", arguments: ["bench", "ideal-scale", "--memory-updates=-1"],
            mentions: [["--memory-updates"]]),
        Row(label: "bench ideal-scale: unknown warm start", arguments: ["bench", "ideal-scale", "--warm-start", "nearest"], status: 64,
            mentions: [["--warm-start"], ["nearest"]]),
        Row(label: "bench train: negative trials", arguments: ["bench", "train", "--trials=-1"], mentions: [["--trials"]]),

        // dynamics train | align
        Row(label: "dynamics train: unknown task", arguments: ["dynamics", "train", "no-such-task"], status: 64,
            mentions: [["no-such-task"], [task]]),
        Row(label: "dynamics train: zero iterations", arguments: ["dynamics", "train", task, "--iterations", "0"], mentions: [["--iterations"]]),
        Row(label: "dynamics train: NaN nudge", arguments: ["dynamics", "train", task, "--iterations", "1", "--eta", "nan"], mentions: [["--eta"]]),
        Row(label: "dynamics train: infinite learning rate", arguments: ["dynamics", "train", task, "--iterations", "1", "--learning-rate", "inf"],
            mentions: [["--learning-rate"]]),
        Row(label: "dynamics train: iterations not a number", arguments: ["dynamics", "train", task, "--iterations", "ten"], status: 64,
            mentions: [["--iterations"]]),
        Row(label: "dynamics align: zero samples", arguments: ["dynamics", "align", task, "--samples", "0"], mentions: [["--samples"]]),
        Row(label: "dynamics align: negative nudge", arguments: ["dynamics", "align", task, "--samples", "1", "--etas=-1"], mentions: [["--etas"]]),
        Row(label: "dynamics align: negative training", arguments: ["dynamics", "align", task, "--samples", "1", "--trained=-1"],
            mentions: [["--trained"]]),

        // baseline
        Row(label: "baseline: unknown task", arguments: ["baseline", "dqn", "no-such-task"], mentions: [["no-such-task"], ["cartpole"]]),
        Row(label: "baseline: unknown agent", arguments: ["baseline", "sarsa", "cartpole"], status: 64, mentions: [["sarsa"]]),
        Row(label: "baseline: tabular on a continuous task", arguments: ["baseline", "tabular", "cartpole"], mentions: [["dqn or local"]]),
        Row(label: "baseline: zero steps", arguments: ["baseline", "dqn", "cartpole", "--steps", "0"], mentions: [["--steps"]]),
        Row(label: "baseline: discount 1", arguments: ["baseline", "dqn", "cartpole", "--gamma", "1"], mentions: [["--gamma"]]),
        Row(label: "baseline: NaN learning rate", arguments: ["baseline", "local", "cartpole", "--learning-rate", "nan"], mentions: [["--learning-rate"]]),
        Row(label: "baseline: zero seeds", arguments: ["baseline", "tabular", "grid-5x5", "--seeds", "0"], mentions: [["--seeds"]]),
        Row(label: "compare: steps on a classification task", arguments: ["compare", "iris", "--steps", "100"], mentions: [["--steps"], ["epochs"]]),
        Row(label: "compare: --set on a Q-learning task", arguments: ["compare", "four-state", "--set", "epochs=3"], mentions: [["--set"]]),
        Row(label: "compare: a Q-learning agent on a classification task", arguments: ["compare", "digits", "--agents", "clln,dqn"],
            mentions: [["dqn"], ["clln,linear,mlp"]]),
        Row(label: "compare: a regression task", arguments: ["compare", "regression", "--seeds", "1"], mentions: [["regression"], ["classification"]]),
        Row(label: "compare: a bad key for the CLLN", arguments: ["compare", "iris", "--set", "alpha=-1"], mentions: [["alpha"]]),
        Row(label: "baseline: a Q-learning agent on a classification task", arguments: ["baseline", "dqn", "digits"], mentions: [["linear or mlp"]]),
        Row(label: "baseline: a classifier on a Q-learning task", arguments: ["baseline", "mlp", "four-state"], mentions: [["tabular, dqn or local"]]),
        Row(label: "baseline: classifier on an unknown task", arguments: ["baseline", "linear", "no-such-task"], mentions: [["no-such-task"], ["digits"]]),
        Row(label: "baseline: hidden layers on the linear classifier", arguments: ["baseline", "linear", "iris", "--hidden", "8"], mentions: [["mlp"]]),
        Row(label: "baseline: zero-width hidden layer", arguments: ["baseline", "mlp", "iris", "--hidden", "0"], mentions: [["hidden"]]),
        Row(label: "baseline: negative weight decay", arguments: ["baseline", "mlp", "iris", "--weight-decay=-1"], mentions: [["--weight-decay"]]),
        Row(label: "baseline: NaN classifier learning rate", arguments: ["baseline", "linear", "iris", "--learning-rate", "nan"], mentions: [["--learning-rate"]]),
        Row(label: "baseline: zero classifier epochs", arguments: ["baseline", "linear", "iris", "--epochs", "0"], mentions: [["--epochs"]]),
        Row(label: "baseline: a training key on a classifier", arguments: ["baseline", "linear", "digits", "--set", "alpha=2"], mentions: [["alpha"], ["data keys"]]),
        Row(label: "baseline: a Q-learning flag on a classifier", arguments: ["baseline", "mlp", "digits", "--steps", "100"], mentions: [["--steps"], ["--epochs"]]),
        Row(label: "baseline: a classifier flag on a Q-learning agent", arguments: ["baseline", "dqn", "cartpole", "--epochs", "3"], mentions: [["--epochs"], ["linear, mlp"]]),
        Row(label: "baseline: empty replay buffer", arguments: ["baseline", "dqn", "cartpole", "--replay-capacity", "0"], mentions: [["--replay-capacity"]]),
        // compare
        Row(label: "compare: unknown task", arguments: ["compare", "no-such-task"], mentions: [["no-such-task"], ["grid-5x5"]]),
        Row(label: "compare: unknown agent", arguments: ["compare", "four-state", "--agents", "clln,sarsa"], mentions: [["sarsa"], ["dqn"]]),
        Row(label: "compare: tabular agent on a continuous task", arguments: ["compare", "cartpole", "--agents", "clln-arq"],
            mentions: [["clln-arq"], ["clln, dqn or local"]]),
        Row(label: "compare: zero seeds", arguments: ["compare", "navigation", "--seeds", "0"], mentions: [["--seeds"]]),
        Row(label: "compare: zero steps", arguments: ["compare", "navigation", "--steps", "0"], mentions: [["--steps"]]),
        // continuous CLLN training
        Row(label: "train cartpole: two centers", arguments: ["train", "cartpole", "--centers", "1"], mentions: [["centers"]]),
        Row(label: "train mountaincar: initial gate below the gate bounds", arguments: ["train", "mountaincar", "--initial-gate=-2"],
            mentions: [["initial_gate_mean"], ["gate bounds"]]),
        Row(label: "train mountaincar: rail gate above the gate bounds", arguments: ["train", "mountaincar", "--rail-gate", "9"],
            mentions: [["rail_gate_mean"], ["gate bounds"]]),
        Row(label: "train cartpole: hidden widths not numbers", arguments: ["train", "cartpole", "--hidden", "abc"], mentions: [["--hidden"]]),
        Row(label: "train cartpole: a hidden width left out", arguments: ["train", "cartpole", "--hidden", "8,,8"], mentions: [["--hidden"]]),
        Row(label: "train mountaincar: rail above 1 V", arguments: ["train", "mountaincar", "--rail-voltage", "2"], mentions: [["rail_voltage"]]),
        Row(label: "train mountaincar: exploration bonus above 1 V", arguments: ["train", "mountaincar", "--exploration-bonus", "2"],
            mentions: [["exploration_bonus"]]),
        Row(label: "train cartpole: joint code too wide", arguments: ["train", "cartpole", "--encoding", "rbf-joint", "--centers", "9"],
            mentions: [["rbf-joint"], ["centers"]]),
        Row(label: "train: unknown target in a config file", arguments: ["train", "$DIR/c.yaml"] + quick, mentions: [["bellman"], ["discounted"]],
            files: config("preset: grid-5x5\ntarget: bellman\n")),
    ]

    /// Words of a message that tells the user what to do.
    static let fixWords = [
        "must", "use ", "give", "add ", "remove", "replace", "declare", "check", "e.g.", "did you mean", "connect", "usage:", "help:",
        "list each", "leave it out", "valid tasks", "raise", "drop ",
    ]

    @Test(arguments: rows) func refusedBeforeWorkStarts(_ row: Row) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clln-malformed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in row.files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        for name in row.directories {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        let out = dir.appendingPathComponent(row.arguments.first == "compile" ? "out.cir" : "out")
        var arguments = row.arguments.map { $0.replacingOccurrences(of: "$DIR", with: dir.path) }
        if row.out { arguments += ["--out", out.path] }

        let r = try runCLLN(arguments, in: dir, timeout: 60)
        let shown = "clln \(arguments.joined(separator: " "))\nstatus \(r.status) (\(r.signaled ? "signal" : "exit"))\nstderr: \(r.err)"
        #expect(!r.timedOut, "still running after 60 s: work started\n\(shown)")
        #expect(!r.signaled, "trapped or killed\n\(shown)")
        #expect(r.status == row.status, "expected exit \(row.status)\n\(shown)")
        let err = r.err.lowercased()
        for group in row.mentions {
            #expect(group.contains { err.contains($0.lowercased()) }, "stderr names none of \(group)\n\(shown)")
        }
        #expect(Self.fixWords.contains { err.contains($0) }, "stderr names no fix\n\(shown)")
        #expect(!FileManager.default.fileExists(atPath: out.path), "\(out.lastPathComponent) was written\n\(shown)")
    }

    @Test func tableCoversEveryCommand() {
        #expect(Self.rows.count >= 40)
        let commands = Set(Self.rows.map { row in
            let words = row.arguments.prefix(2)
            return ["check", "experiment", "bench", "dynamics"].contains(words.first!) ? words.joined(separator: " ") : words.first!
        })
        for command in ["compile", "solve", "train", "validate", "check gradient", "experiment stress", "experiment damage",
                        "bench solve", "bench train", "dynamics train", "dynamics align", "baseline", "compare"] {
            #expect(commands.contains(command), "no row for \(command)")
        }
    }
}

/// The outcome of one run of the built `clln`.
struct CLLNOutcome {
    var status: Int32
    var signaled: Bool
    var timedOut: Bool
    var out: String
    var err: String
}

/// Runs the built `clln` in `directory` (stdout and stderr to files there, so a chatty process
/// cannot block on a full pipe); terminates it after `timeout` seconds.
func runCLLN(_ arguments: [String], in directory: URL, timeout: Double) throws -> CLLNOutcome {
    let process = Process()
    process.executableURL = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("clln")
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let outURL = directory.appendingPathComponent(".stdout"), errURL = directory.appendingPathComponent(".stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let (out, err) = (try FileHandle(forWritingTo: outURL), try FileHandle(forWritingTo: errURL))
    defer {
        try? out.close()
        try? err.close()
    }
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    var timedOut = false
    while process.isRunning {
        if Date() > deadline {
            // SIGKILL: a run that ignores or outlives SIGTERM must not keep the suite waiting.
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            break
        }
        Thread.sleep(forTimeInterval: 0.02)
    }
    process.waitUntilExit()
    return CLLNOutcome(
        status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal, timedOut: timedOut,
        out: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "", err: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
}
