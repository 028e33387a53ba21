package dev.distill.engine.testing;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import org.wildfly.security.password.Password;
import org.wildfly.security.password.PasswordFactory;
import org.wildfly.security.password.WildFlyElytronPasswordProvider;
import org.wildfly.security.password.interfaces.BCryptPassword;
import org.wildfly.security.password.spec.EncryptablePasswordSpec;
import org.wildfly.security.password.spec.IteratedSaltedPasswordAlgorithmSpec;
import org.wildfly.security.password.util.ModularCrypt;

/**
 * bcrypt hashes for the registry's htpasswd file, which accepts no other scheme. Kept in its own class so
 * LocalRegistry without authentication does not need the Elytron library on the classpath.
 */
final class Bcrypt {

    /** The lowest cost bcrypt allows: the hash only guards a throwaway test registry, and tests should be fast. */
    private static final int COST = 4;

    private Bcrypt() {
    }

    /** {@code $2a$04$...} for the password. */
    static String hash(String password) {
        byte[] salt = new byte[BCryptPassword.BCRYPT_SALT_SIZE];
        new SecureRandom().nextBytes(salt);
        try {
            PasswordFactory factory = PasswordFactory.getInstance(BCryptPassword.ALGORITHM_BCRYPT,
                    WildFlyElytronPasswordProvider.getInstance());
            Password hashed = factory.generatePassword(new EncryptablePasswordSpec(password.toCharArray(),
                    new IteratedSaltedPasswordAlgorithmSpec(COST, salt)));
            return ModularCrypt.encodeAsString(hashed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot compute a bcrypt hash for the htpasswd file", e);
        }
    }
}
