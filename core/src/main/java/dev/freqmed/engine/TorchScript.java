package dev.freqmed.engine;

import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Engine operators that DJL has no binding for, reached through TorchScript: a module of one
 * method, built in memory from its source text (no parameters, no tensors) and run with
 * libtorch's own autograd, so gradients flow through it as through any other operator.
 */
final class TorchScript {

    private TorchScript() {
    }

    /**
     * The source of a one-method module class: no parameters or buffers, the {@code training}
     * attribute, and {@code forward(self, <tensors>) -> Tensor} with the given body.
     *
     * @param className the class name
     * @param body      the method's lines, indented relative to the method
     * @param tensors   the names of its tensor arguments
     * @return the class's TorchScript source ({@code __torch__} namespace)
     */
    static String source(String className, String body, String... tensors) {
        StringBuilder s = new StringBuilder()
                .append("class ").append(className).append("(Module):\n")
                .append("  __parameters__ = []\n")
                .append("  __buffers__ = []\n")
                .append("  training : bool\n")
                .append("  def forward(self: __torch__.").append(className);
        for (String t : tensors) {
            s.append(",\n    ").append(t).append(": Tensor");
        }
        s.append(") -> Tensor:\n");
        for (String line : body.split("\n")) {
            s.append("    ").append(line).append('\n');
        }
        return s.toString();
    }

    /** A one-method module loaded on first use and kept for the life of the process. */
    static final class LazyModule {
        private final String className;
        private final String source;
        private volatile PtSymbolBlock module;

        /**
         * @param className the module's class name
         * @param body      its {@code forward}'s lines, indented relative to the method
         * @param tensors   the names of {@code forward}'s tensor arguments
         */
        LazyModule(String className, String body, String... tensors) {
            this.className = className;
            this.source = TorchScript.source(className, body, tensors);
        }

        /** The module's source text. */
        String source() {
            return source;
        }

        /** The module, loaded on the first call. */
        PtSymbolBlock get() {
            PtSymbolBlock m = module;
            if (m == null) {
                synchronized (this) {
                    m = module;
                    if (m == null) {
                        m = load(className, source);
                        module = m;
                    }
                }
            }
            return m;
        }
    }

    /**
     * Loads a one-method module. Its manager is never closed: the module lives as long as the
     * process.
     *
     * @param className the module's class, as named in {@code source}
     * @param source    the class's TorchScript source ({@code __torch__} namespace)
     * @return the loaded module
     */
    static PtSymbolBlock load(String className, String source) {
        PtNDManager owner = (PtNDManager) ai.djl.engine.Engine.getEngine("PyTorch")
                .newBaseManager();
        try {
            return JniUtils.loadModule(owner,
                    new ByteArrayInputStream(archive(className, source)), false, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the engine module " + className, e);
        }
    }

    /**
     * The module as a TorchScript archive: {@code data.pkl} (the module object: class
     * {@code __torch__.<className>}, attribute {@code training}), its code, an empty constants
     * table and the format version, stored uncompressed.
     *
     * @param className the class name
     * @param source    the class's source
     * @return the archive's bytes
     */
    static byte[] archive(String className, String source) {
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        // Pickle protocol 2: GLOBAL __torch__ <className>, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT,
        // BINUNICODE "training", NEWTRUE, SETITEM, BUILD, STOP.
        pickle.writeBytes(new byte[] {(byte) 0x80, 2, 'c'});
        pickle.writeBytes(("__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII));
        pickle.writeBytes(new byte[] {')', (byte) 0x81, '}', 'X', 8, 0, 0, 0});
        pickle.writeBytes("training".getBytes(StandardCharsets.US_ASCII));
        pickle.writeBytes(new byte[] {(byte) 0x88, 's', 'b', '.'});
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zip)) {
            stored(z, "archive/data.pkl", pickle.toByteArray());
            stored(z, "archive/code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
            stored(z, "archive/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            stored(z, "archive/version", "6\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return zip.toByteArray();
    }

    private static void stored(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }
}
