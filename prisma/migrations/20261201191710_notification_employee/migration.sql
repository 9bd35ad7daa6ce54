-- AlterTable
ALTER TABLE "Notification" ADD COLUMN     "employeeId" TEXT;

-- Notices written before this told the curator the new hire's name ("Phone <imei> for <name>
-- (<employee id>, starts <date>) is ready. ..."): say whom they are about instead, without it.
UPDATE "Notification"
SET "employeeId" = substring(message FROM '^Phone \S+ for .* \(([^,() ]+), starts [0-9-]+\) is ready\.'),
    message = regexp_replace(message, '^Phone (\S+) for .* \(([^,() ]+), starts ([0-9-]+)\) is ready\.', 'Phone \1 for new employee \2 (starts \3) is ready.')
WHERE kind = 'phone-ready' AND message ~ '^Phone \S+ for .* \(([^,() ]+), starts [0-9-]+\) is ready\.';
