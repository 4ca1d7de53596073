-- impex's helper functions on PostgreSQL, the ones real IOM project scripts call
-- (docs/postgres.md, "Scripts"). Created by `impex init`; CREATE OR REPLACE, so a second run
-- changes nothing. On SQLite, impex offers the same as SQL functions (src/db/functions.rs).

-- The blueprint's oms.upsert_tp_parameter(key, value, process): a transformer process's parameter,
-- inserted or updated.
CREATE OR REPLACE FUNCTION oms.upsert_tp_parameter(p_transformerProcessesParameterKeyDefRef bigint, p_parametervalue text, p_transformerProcessesRef bigint)
RETURNS void LANGUAGE plpgsql SET search_path = oms, customer, product, admin, public AS $BODY$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM oms."TransformerProcessParameterDO"
                    WHERE "transformerProcessesParameterKeyDefRef" = p_transformerProcessesParameterKeyDefRef
                      AND "transformerProcessesRef" = p_transformerProcessesRef) THEN
        INSERT INTO oms."TransformerProcessParameterDO" ("id", "parameterValue", "transformerProcessesParameterKeyDefRef", "transformerProcessesRef")
        VALUES (nextval('oms."TransformerProcessParameterDO_id_seq"'), p_parametervalue, p_transformerProcessesParameterKeyDefRef, p_transformerProcessesRef);
    ELSE
        UPDATE oms."TransformerProcessParameterDO" SET "parameterValue" = p_parametervalue
         WHERE "transformerProcessesParameterKeyDefRef" = p_transformerProcessesParameterKeyDefRef
           AND "transformerProcessesRef" = p_transformerProcessesRef;
    END IF;
END;
$BODY$;

-- The blueprint's oms.upsert_eb_value(key, value, partner): an execution bean value of a
-- communication partner, inserted or updated.
CREATE OR REPLACE FUNCTION oms.upsert_eb_value(p_executionBeanKeyDefRef bigint, p_parametervalue text, p_communicationPartnerRef bigint)
RETURNS void LANGUAGE plpgsql SET search_path = oms, customer, product, admin, public AS $BODY$
BEGIN
    INSERT INTO oms."ExecutionBeanValueDO" ("id", "executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef")
    VALUES (nextval('oms."ExecutionBeanValueDO_id_seq"'), p_executionBeanKeyDefRef, p_parametervalue, p_communicationPartnerRef)
    ON CONFLICT ("communicationPartnerRef", "executionBeanKeyDefRef") DO UPDATE SET "parameterValue" = EXCLUDED."parameterValue";
END;
$BODY$;

-- IOM's admin.add_communication_partner(decision bean, split, communication, sender, receiver):
-- a communication partner with IOM's defaults (12 retries, 30 minutes apart) unless one exists
-- for the same communication, sender and receiver; returns its id.
CREATE OR REPLACE FUNCTION admin.add_communication_partner(p_decisionbeandefref bigint, p_splittransmission boolean,
    p_communicationref bigint, p_sendingpartnerreferrerref bigint, p_receivingpartnerreferrerref bigint)
RETURNS bigint LANGUAGE plpgsql SET search_path = oms, customer, product, admin, public AS $BODY$
DECLARE
    v_id bigint;
BEGIN
    IF p_communicationref IS NULL THEN
        RAISE EXCEPTION 'add_communication_partner: p_communicationref is NULL (no such "CommunicationDO")';
    END IF;
    IF p_sendingpartnerreferrerref IS NULL THEN
        RAISE EXCEPTION 'add_communication_partner: p_sendingpartnerreferrerref is NULL (no such "PartnerReferrerDO")';
    END IF;
    SELECT "id" INTO v_id FROM oms."CommunicationPartnerDO"
     WHERE "communicationRef" = p_communicationref AND "sendingPartnerReferrerRef" = p_sendingpartnerreferrerref
       AND "receivingPartnerReferrerRef" IS NOT DISTINCT FROM p_receivingpartnerreferrerref;
    IF v_id IS NOT NULL THEN
        RETURN v_id;
    END IF;
    INSERT INTO oms."CommunicationPartnerDO" ("id", "decisionBeanDefRef", "splitTransmission", "communicationRef",
        "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "maxNoOfRetries", "retryDelay", "mergeTypeDefRef")
    VALUES (nextval('oms."CommunicationPartnerDO_id_seq"'), p_decisionbeandefref, coalesce(p_splittransmission, false), p_communicationref,
        p_sendingpartnerreferrerref, p_receivingpartnerreferrerref, 12, '30m', NULL)
    RETURNING "id" INTO v_id;
    RETURN v_id;
END;
$BODY$;

-- impex's own: moves every table's id sequence past the highest id in the table, so that
-- nextval never hands out an id a script or a seed wrote itself (`impex init` and `impex sql`
-- call it at the end of their transaction; docs/postgres.md, "Sequences").
CREATE OR REPLACE FUNCTION admin.impex_sync_sequences()
RETURNS void LANGUAGE plpgsql SET search_path = oms, customer, product, admin, public AS $BODY$
DECLARE
    r record;
    seq text;
    top int8;
    last int8;
    called boolean;
BEGIN
    FOR r IN SELECT n.nspname, c.relname FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'id' AND NOT a.attisdropped
              WHERE c.relkind = 'r' AND n.nspname IN ('oms', 'customer', 'product', 'admin') LOOP
        seq := pg_get_serial_sequence(format('%I.%I', r.nspname, r.relname), 'id');
        CONTINUE WHEN seq IS NULL;
        EXECUTE format('SELECT max("id") FROM %I.%I', r.nspname, r.relname) INTO top;
        CONTINUE WHEN top IS NULL;
        EXECUTE format('SELECT last_value, is_called FROM %s', seq) INTO last, called;
        IF top >= (CASE WHEN called THEN last + 1 ELSE last END) THEN
            PERFORM setval(seq, top);
        END IF;
    END LOOP;
END;
$BODY$;
