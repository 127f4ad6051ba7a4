import com.sun.tools.attach.VirtualMachine;

/**
 * Loads a native agent into a running JVM with an option string, as async-profiler's own launcher does:
 * {@code java benchmarks/scripts/AgentLoad.java <pid> <libasyncProfiler.so> start,event=cpu,interval=200us}.
 * (jcmd's JVMTI.agent_load cannot pass options that contain '=': its argument parser takes them as its own.)
 */
public final class AgentLoad {
    public static void main(String[] args) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(args[0]);
        try {
            vm.loadAgentPath(args[1], args.length > 2 ? args[2] : null);
        } finally {
            vm.detach();
        }
    }
}
