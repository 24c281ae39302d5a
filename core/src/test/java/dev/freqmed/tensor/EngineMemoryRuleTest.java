package dev.freqmed.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * No production class hands host memory to the engine except through {@link HostArrays} and
 * {@link Scalars}: a scan of the compiled classes for calls to DJL's arithmetic-with-a-number
 * methods ({@code mul(Number)} and the like), {@code NDManager.create} with data, and
 * {@code NDArray.set} with a Java array or buffer. Those alias Java direct buffers that can be
 * freed while autograd still reads them (see {@link Scalars}).
 */
class EngineMemoryRuleTest {

    /** DJL methods whose {@code (Number)} form keeps the number's 0-d array for backward. */
    private static final Set<String> NUMBER_OPS = Set.of(
            "mul", "muli", "div", "divi", "pow", "powi", "maximum", "minimum", "rdiv", "rdivi",
            "rpow", "rpowi", "mod", "modi", "rmod", "rmodi");

    private static final Set<String> ALLOWED_CLASSES =
            Set.of("dev/freqmed/tensor/HostArrays", "dev/freqmed/tensor/Scalars");

    @Test
    void productionCodeCopiesHostDataThroughTheHelpers() throws Exception {
        Path classes = Path.of(HostArrays.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> offences = new ArrayList<>();
        int[] scanned = {0};
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                scan(p, offences);
                scanned[0]++;
            }
        }
        assertTrue(scanned[0] > 300, "scanned only " + scanned[0] + " classes under " + classes);
        assertTrue(offences.isEmpty(), "use HostArrays / Scalars instead of:\n  "
                + String.join("\n  ", offences));
    }

    @Test
    void theScanFindsAnOffence() throws IOException, URISyntaxException {
        // The rule must be able to fail: this test class itself calls x.mul(Number) below.
        List<String> offences = new ArrayList<>();
        Path self = Path.of(Offender.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(Offender.class.getName().replace('.', '/') + ".class");
        scan(self, offences);
        assertTrue(offences.size() == 3, offences.toString());
    }

    /** Deliberate offences for {@link #theScanFindsAnOffence}. */
    static final class Offender {
        static ai.djl.ndarray.NDArray use(ai.djl.ndarray.NDArray x) {
            x.set(new float[] {1f});
            return x.mul(2f).add(x.getManager().create(new float[] {1f}));
        }
    }

    private static void scan(Path classFile, List<String> offences) throws IOException {
        try (InputStream in = Files.newInputStream(classFile)) {
            new ClassReader(in).accept(new ClassVisitor(Opcodes.ASM9) {
                private String owner;

                @Override
                public void visit(int version, int access, String name, String signature,
                        String superName, String[] interfaces) {
                    owner = name;
                }

                @Override
                public MethodVisitor visitMethod(int access, String method, String descriptor,
                        String signature, String[] exceptions) {
                    if (ALLOWED_CLASSES.contains(owner)) {
                        return null;
                    }
                    return new MethodVisitor(Opcodes.ASM9) {
                        @Override
                        public void visitMethodInsn(int opcode, String target, String name,
                                String desc, boolean isInterface) {
                            String offence = offence(target, name, desc);
                            if (offence != null) {
                                offences.add(owner.replace('/', '.') + "." + method + " calls " + offence);
                            }
                        }
                    };
                }
            }, ClassReader.SKIP_DEBUG);
        }
    }

    private static String offence(String target, String name, String desc) {
        if (!target.startsWith("ai/djl/")) {
            return null;
        }
        String args = desc.substring(0, desc.indexOf(')') + 1);
        boolean array = target.endsWith("NDArray") || target.endsWith("NDArrays");
        if (array && NUMBER_OPS.contains(name) && args.contains("Ljava/lang/Number;")) {
            return name + args;
        }
        if (target.endsWith("NDManager") && name.equals("create")
                && !args.startsWith("(Lai/djl/ndarray/types/Shape;")) {
            return "NDManager.create" + args;
        }
        if (array && name.equals("set") && (args.startsWith("(Ljava/nio/") || args.startsWith("(["))) {
            return "NDArray.set" + args;
        }
        return null;
    }
}
