package dev.freqmed.io.pickle;

import dev.freqmed.io.WeightFormatException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A restricted unpickler (protocols 0-5, data opcodes only). It builds plain Java values:
 * {@code dict} becomes a {@link LinkedHashMap}, {@code list} an {@link ArrayList}, {@code tuple} a
 * {@link PickleTuple}, {@code set}/{@code frozenset} an {@link ArrayList}, {@code str} a
 * {@link String}, {@code bytes} a {@code byte[]}, {@code int} a {@link Long} (or
 * {@link BigInteger} when it does not fit), {@code float} a {@link Double}, {@code bool} a
 * {@link Boolean} and {@code None} null. Globals, calls ({@code REDUCE}, {@code NEWOBJ}),
 * {@code BUILD} and persistent ids go to a {@link PickleHandler}, which refuses anything it does
 * not know. The class-instantiating opcodes {@code INST}, {@code OBJ}, {@code EXT*} and
 * out-of-band buffers are refused outright.
 *
 * <p>Every length is checked against the bytes left before anything is allocated, and the result
 * is checked to be acyclic, at most {@value #MAX_DEPTH} levels deep and of bounded size, so code
 * that walks it recursively cannot overflow the stack.
 *
 * <pre>{@code
 * Object root = new Unpickler(file, bytes, handler).load();
 * }</pre>
 */
public final class Unpickler {

    /** Deepest nesting of containers accepted. */
    public static final int MAX_DEPTH = 200;
    /** Most container-element visits when walking the result (bounds shared-reference blow-up). */
    public static final long MAX_VISITS = 1_000_000L;
    private static final int MAX_LINE = 4096;
    private static final int MAX_LONG_BYTES = 64;

    private final Path file;
    private final ByteBuffer in;
    private final PickleHandler handler;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    /** Marker for the Python {@code set} type. */
    private static final class PickleSet extends ArrayList<Object> {
        private static final long serialVersionUID = 1L;
    }

    /**
     * An unpickler over {@code data} from position to limit.
     *
     * @param file the file the bytes come from (for messages)
     * @param data the pickle bytes
     * @param handler the policy for globals, calls and persistent ids
     */
    public Unpickler(Path file, ByteBuffer data, PickleHandler handler) {
        this.file = file;
        this.in = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.handler = handler;
    }

    /** Bytes consumed so far (after {@link #load()}, the length of the pickle). */
    public int position() {
        return in.position();
    }

    private WeightFormatException error(String problem) {
        return new WeightFormatException(file, "pickle byte " + in.position() + ": " + problem);
    }

    /**
     * Reads one pickle up to its {@code STOP} opcode.
     *
     * @return the unpickled value
     * @throws WeightFormatException for malformed, truncated or refused pickles
     */
    public Object load() throws WeightFormatException {
        try {
            Object result = run();
            checkStructure(result);
            return result;
        } catch (ClassCastException | IndexOutOfBoundsException | ArithmeticException
                | IllegalArgumentException | UnsupportedOperationException e) {
            throw error("malformed pickle (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    private int u8() throws WeightFormatException {
        need(1);
        return in.get() & 0xff;
    }

    private void need(long n) throws WeightFormatException {
        if (n < 0 || n > in.remaining()) {
            throw error("truncated: needs " + n + " bytes, " + in.remaining() + " left");
        }
    }

    private byte[] bytes(long n) throws WeightFormatException {
        need(n);
        byte[] b = new byte[(int) n];
        in.get(b);
        return b;
    }

    private String utf8(long n) throws WeightFormatException {
        byte[] b = bytes(n);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw error("string is not valid UTF-8");
        }
    }

    private String line() throws WeightFormatException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = u8();
            if (c == '\n') {
                return sb.toString();
            }
            if (sb.length() >= MAX_LINE) {
                throw error("text line longer than " + MAX_LINE + " bytes");
            }
            sb.append((char) c);
        }
    }

    private long u32() throws WeightFormatException {
        need(4);
        return in.getInt() & 0xffffffffL;
    }

    private long u64() throws WeightFormatException {
        need(8);
        long v = in.getLong();
        if (v < 0) {
            throw error("length " + Long.toUnsignedString(v) + " is absurd");
        }
        return v;
    }

    private Object pop() throws WeightFormatException {
        if (stack.isEmpty()) {
            throw error("stack underflow");
        }
        int top = stack.size() - 1;
        if (!marks.isEmpty() && marks.get(marks.size() - 1) > top) {
            throw error("stack underflow below a mark");
        }
        return stack.remove(top);
    }

    private Object peek() throws WeightFormatException {
        if (stack.isEmpty()) {
            throw error("stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws WeightFormatException {
        if (marks.isEmpty()) {
            throw error("no mark on the stack");
        }
        int m = marks.remove(marks.size() - 1);
        if (m > stack.size()) {
            throw error("mark above the stack top");
        }
        List<Object> sub = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return sub;
    }

    private void memoPut(long key) throws WeightFormatException {
        memo.put(key, peek());
    }

    private Object memoGet(long key) throws WeightFormatException {
        if (!memo.containsKey(key)) {
            throw error("memo key " + key + " was never stored");
        }
        return memo.get(key);
    }

    private static Object integer(BigInteger v) {
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object longLE(byte[] b) {
        if (b.length == 0) {
            return 0L;
        }
        byte[] be = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            be[i] = b[b.length - 1 - i];
        }
        return integer(new BigInteger(be));
    }

    private Object run() throws WeightFormatException {
        while (true) {
            int op = u8();
            switch (op) {
                case 0x80: // PROTO
                    int proto = u8();
                    if (proto > 5) {
                        throw error("unsupported pickle protocol " + proto);
                    }
                    break;
                case 0x95: // FRAME
                    u64();
                    break;
                case '.': // STOP
                    if (stack.isEmpty()) {
                        throw error("STOP with an empty stack");
                    }
                    return stack.get(stack.size() - 1);
                case '(':
                    marks.add(stack.size());
                    break;
                case '}':
                    stack.add(new LinkedHashMap<Object, Object>());
                    break;
                case ']':
                    stack.add(new ArrayList<Object>());
                    break;
                case ')':
                    stack.add(PickleTuple.of());
                    break;
                case 0x8f: // EMPTY_SET
                    stack.add(new PickleSet());
                    break;
                case 't':
                    stack.add(new PickleTuple(popMark()));
                    break;
                case 0x85: {
                    Object a = pop();
                    stack.add(PickleTuple.of(a));
                    break;
                }
                case 0x86: {
                    Object b = pop();
                    Object a = pop();
                    stack.add(PickleTuple.of(a, b));
                    break;
                }
                case 0x87: {
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    stack.add(PickleTuple.of(a, b, c));
                    break;
                }
                case 'd': {
                    Map<Object, Object> d = new LinkedHashMap<>();
                    putAll(d, popMark());
                    stack.add(d);
                    break;
                }
                case 'l':
                    stack.add(new ArrayList<>(popMark()));
                    break;
                case 0x91: { // FROZENSET
                    PickleSet s = new PickleSet();
                    s.addAll(popMark());
                    stack.add(s);
                    break;
                }
                case 'q':
                    memoPut(u8());
                    break;
                case 'r':
                    memoPut(u32());
                    break;
                case 'p':
                    memoPut(parseLong(line()));
                    break;
                case 0x94: // MEMOIZE
                    memoPut(memo.size());
                    break;
                case 'h':
                    stack.add(memoGet(u8()));
                    break;
                case 'j':
                    stack.add(memoGet(u32()));
                    break;
                case 'g':
                    stack.add(memoGet(parseLong(line())));
                    break;
                case 'J':
                    need(4);
                    stack.add((long) in.getInt());
                    break;
                case 'K':
                    stack.add((long) u8());
                    break;
                case 'M':
                    need(2);
                    stack.add((long) (in.getShort() & 0xffff));
                    break;
                case 'I': {
                    String s = line();
                    if (s.equals("00")) {
                        stack.add(Boolean.FALSE);
                    } else if (s.equals("01")) {
                        stack.add(Boolean.TRUE);
                    } else {
                        stack.add(parseInt(s));
                    }
                    break;
                }
                case 'L': {
                    String s = line();
                    stack.add(parseInt(s.endsWith("L") ? s.substring(0, s.length() - 1) : s));
                    break;
                }
                case 0x8a: {
                    int n = u8();
                    stack.add(longLE(bytes(n)));
                    break;
                }
                case 0x8b: {
                    long n = u32();
                    if (n > MAX_LONG_BYTES) {
                        throw error("integer of " + n + " bytes is absurd");
                    }
                    stack.add(longLE(bytes(n)));
                    break;
                }
                case 'G':
                    need(8);
                    stack.add(in.order(ByteOrder.BIG_ENDIAN).getDouble());
                    in.order(ByteOrder.LITTLE_ENDIAN);
                    break;
                case 'F':
                    try {
                        stack.add(Double.parseDouble(line()));
                    } catch (NumberFormatException e) {
                        throw error("bad float literal");
                    }
                    break;
                case 'N':
                    stack.add(null);
                    break;
                case 0x88:
                    stack.add(Boolean.TRUE);
                    break;
                case 0x89:
                    stack.add(Boolean.FALSE);
                    break;
                case 'X':
                    stack.add(utf8(u32()));
                    break;
                case 0x8c:
                    stack.add(utf8(u8()));
                    break;
                case 0x8d:
                    stack.add(utf8(u64()));
                    break;
                case 'U':
                    stack.add(new String(bytes(u8()), StandardCharsets.ISO_8859_1));
                    break;
                case 'T': {
                    need(4);
                    int n = in.getInt();
                    if (n < 0) {
                        throw error("negative string length");
                    }
                    stack.add(new String(bytes(n), StandardCharsets.ISO_8859_1));
                    break;
                }
                case 'B':
                    stack.add(bytes(u32()));
                    break;
                case 'C':
                    stack.add(bytes(u8()));
                    break;
                case 0x8e:
                case 0x96:
                    stack.add(bytes(u64()));
                    break;
                case 's': {
                    Object v = pop();
                    Object k = pop();
                    Object d = peek();
                    putAll(asMap(d), List.of(wrapNull(k), wrapNull(v)));
                    break;
                }
                case 'u': {
                    List<Object> items = popMark();
                    putAll(asMap(peek()), items);
                    break;
                }
                case 'a': {
                    Object v = pop();
                    asList(peek()).add(v);
                    break;
                }
                case 'e': {
                    List<Object> items = popMark();
                    asList(peek()).addAll(items);
                    break;
                }
                case 0x90: { // ADDITEMS
                    List<Object> items = popMark();
                    Object s = peek();
                    if (!(s instanceof PickleSet set)) {
                        throw error("ADDITEMS on something other than a set");
                    }
                    set.addAll(items);
                    break;
                }
                case 'c': {
                    String module = line();
                    String name = line();
                    stack.add(handler.global(module, name));
                    break;
                }
                case 0x93: {
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error("STACK_GLOBAL needs two strings");
                    }
                    stack.add(handler.global(m, n));
                    break;
                }
                case 'R':
                case 0x81: { // REDUCE, NEWOBJ
                    Object args = pop();
                    Object callable = pop();
                    if (!(args instanceof PickleTuple t)) {
                        throw error("call arguments are not a tuple");
                    }
                    stack.add(handler.reduce(callable, t));
                    break;
                }
                case 'Q': {
                    Object pid = pop();
                    stack.add(handler.persistentLoad(pid));
                    break;
                }
                case 'P':
                    stack.add(handler.persistentLoad(line()));
                    break;
                case 'b': {
                    Object state = pop();
                    Object target = pop();
                    stack.add(handler.build(target, state));
                    break;
                }
                case '0':
                    if (!stack.isEmpty() && (marks.isEmpty()
                            || marks.get(marks.size() - 1) < stack.size())) {
                        pop();
                    } else {
                        popMark();
                    }
                    break;
                case '1':
                    popMark();
                    break;
                case '2':
                    stack.add(peek());
                    break;
                case 'i':
                case 'o':
                case 0x82:
                case 0x83:
                case 0x84:
                case 0x92:
                case 0x97:
                case 0x98:
                    throw error(String.format("refused opcode 0x%02x (object construction or "
                            + "out-of-band data is not allowed in weight files)", op));
                default:
                    throw error(String.format("unknown pickle opcode 0x%02x", op));
            }
        }
    }

    private static final Object NULL_KEY = new Object();

    private static Object wrapNull(Object o) {
        return o == null ? NULL_KEY : o;
    }

    private void putAll(Map<Object, Object> d, List<Object> items) throws WeightFormatException {
        if (items.size() % 2 != 0) {
            throw error("odd number of items for a dict");
        }
        for (int i = 0; i < items.size(); i += 2) {
            Object k = items.get(i) == NULL_KEY ? null : items.get(i);
            Object v = items.get(i + 1) == NULL_KEY ? null : items.get(i + 1);
            checkKey(k);
            d.put(k, v);
        }
    }

    /** Dict keys must be scalars or tuples of scalars, so that hashing them cannot recurse. */
    private void checkKey(Object k) throws WeightFormatException {
        if (isScalar(k)) {
            return;
        }
        if (k instanceof PickleTuple t) {
            for (Object o : t) {
                if (!isScalar(o)) {
                    throw error("unsupported dict key: tuple holding "
                            + o.getClass().getSimpleName());
                }
            }
            return;
        }
        throw error("unsupported dict key of type " + k.getClass().getSimpleName());
    }

    private static boolean isScalar(Object o) {
        return o == null || o instanceof String || o instanceof Long || o instanceof Double
                || o instanceof Boolean || o instanceof BigInteger;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object o) throws WeightFormatException {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw error("setting items on " + describe(o) + ", expected a dict");
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o) throws WeightFormatException {
        if (o instanceof ArrayList<?> l && !(o instanceof PickleSet)) {
            return (List<Object>) l;
        }
        throw error("appending to " + describe(o) + ", expected a list");
    }

    private static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private long parseLong(String s) throws WeightFormatException {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw error("bad integer literal");
        }
    }

    private Object parseInt(String s) throws WeightFormatException {
        try {
            return integer(new BigInteger(s.trim()));
        } catch (NumberFormatException e) {
            throw error("bad integer literal");
        }
    }

    /** Rejects cycles, nesting deeper than MAX_DEPTH and more than MAX_VISITS visits. */
    private void checkStructure(Object root) throws WeightFormatException {
        long[] visits = {0};
        check(root, 0, new IdentityHashMap<>(), visits);
    }

    private void check(Object o, int depth, IdentityHashMap<Object, Boolean> path, long[] visits)
            throws WeightFormatException {
        if (!(o instanceof Map<?, ?>) && !(o instanceof List<?>)) {
            return;
        }
        if (++visits[0] > MAX_VISITS) {
            throw error("structure too large (more than " + MAX_VISITS + " shared references)");
        }
        if (depth > MAX_DEPTH) {
            throw error("containers nested deeper than " + MAX_DEPTH + " levels");
        }
        if (path.put(o, Boolean.TRUE) != null) {
            throw error("recursive structure (a container contains itself)");
        }
        List<Object> extra = handler.extraChildren(o);
        for (int i = 0; i < extra.size(); i++) {
            check(extra.get(i), depth + 1, path, visits);
        }
        if (o instanceof Map<?, ?> m) {
            for (Object v : m.values()) {
                check(v, depth + 1, path, visits);
            }
        } else {
            List<?> l = (List<?>) o;
            for (int i = 0; i < l.size(); i++) {
                check(l.get(i), depth + 1, path, visits);
            }
        }
        path.remove(o);
    }
}
