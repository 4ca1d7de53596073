-- Return announcements (RMA) export to the supplier of the returned positions
-- (SEND_RETURN_ANNOUNCEMENT-SHOP__<ShopID>-SUPPLIER__<SupplierID>-<TransmissionID>.xml).
-- Uses IOM's admin.add_communication_partner (defaults maxNoOfRetries 12, retryDelay '30m');
-- receiver NULL = the supplier of each announced position. No decision bean: every
-- announcement is exported (use 180 'returnannouncementAccepted' to export accepted ones only).
SELECT admin.add_communication_partner(
    NULL,
    FALSE,
    (SELECT "id" FROM "CommunicationDO" WHERE "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_RETURN_ANNOUNCEMENT'),
    (SELECT "id" FROM "PartnerReferrerDO" WHERE "shopRef" = 10000),
    NULL
);
